"""The one place that creates boto3 clients and turns AWS failures into pipectl errors."""
