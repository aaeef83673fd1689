# hello-web, the service the reference pipeline ships: a page on port 80 that shows the
# commit the image was built from, /version (JSON) and /health for the health checks.
#
# nginx from public.ecr.aws (no Docker Hub pull limits), pinned by tag. The image is the
# base plus one small layer, the site's configuration; the build takes no secrets.
FROM public.ecr.aws/nginx/nginx:1.28-alpine

# The base image's entrypoint turns templates into configuration when the container
# starts, filling in environment variables (here APP_COMMIT).
COPY app/default.conf.template /etc/nginx/templates/default.conf.template

# Last, so that a new commit changes only the image's settings, not its layers.
ARG COMMIT=unknown
ENV APP_COMMIT=${COMMIT}
LABEL org.opencontainers.image.revision=${COMMIT} \
      org.opencontainers.image.title=hello-web

EXPOSE 80
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=3 \
    CMD ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1/health"]

# No USER line on purpose: ECS (Fargate included) gives a non-root process no way to
# bind port 80. nginx's master process binds it as root and does nothing else; the
# worker processes that serve every request run as the unprivileged user nginx.
