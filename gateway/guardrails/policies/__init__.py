"""One module per policy kind. Each exposes ``checks(config, side, resources) -> list[Check]``:
the checks its part of a definition asks for on one side (none when that side is disabled)."""
