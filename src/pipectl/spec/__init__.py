"""YAML -> a typed, validated spec, with line numbers, field paths and did-you-mean."""
