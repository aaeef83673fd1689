# hello-web, the service the reference pipeline ships: a page on port 80 that shows the
# commit the image was built from, and /health for the health checks.
#
# The base comes from public.ecr.aws, pinned by tag: no Docker Hub pull limits in
# CodeBuild. The image is the base plus one small layer; the build takes no secrets.
FROM public.ecr.aws/docker/library/python:3.12-alpine

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PORT=80 \
    APP_USER=nobody

# Owned by root and read-only for the user the server runs as.
COPY app/server.py /app/server.py

# Last, so that a new commit changes only the image's settings, not its layers.
ARG COMMIT=unknown
ENV APP_COMMIT=${COMMIT}
LABEL org.opencontainers.image.revision=${COMMIT} \
      org.opencontainers.image.title=hello-web

EXPOSE 80
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=3 \
    CMD ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1/health"]

# No USER line on purpose: ECS (Fargate included) gives a non-root process no way to
# bind port 80, so the server starts as root, binds the port, and switches to APP_USER
# before it serves a single request.
CMD ["python", "/app/server.py"]
