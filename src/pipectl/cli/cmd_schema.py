"""`pipectl schema`: the JSON Schema of the spec, for editors."""

from __future__ import annotations

import click

from pipectl.cli.options import get_app, output_option


@click.command("schema")
@output_option
@click.pass_context
def command(ctx: click.Context) -> None:
    """Print the JSON Schema of the spec (for editors).

    The YAML language server (VS Code's YAML extension, and others) validates and
    completes pipeline.yml with it. The output is always JSON.

    \b
    Example:
      pipectl schema > pipeline.schema.json
      # then, as the first line of config/pipeline.yml:
      # yaml-language-server: $schema=../pipeline.schema.json
    """
    from pipectl.spec.schema import spec_json_schema

    get_app(ctx).env.write_json(spec_json_schema())
