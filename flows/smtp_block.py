"""SMTP settings from a Prefect `Secret` block: the one place newswatch reads a Prefect block.

The weekly-digest flow calls it when `NEWSWATCH_SMTP_BLOCK` names a block; its value overrides the
SMTP settings of the environment. The password comes back as a `SecretStr` (revealed only at the
SMTP login), and the task that calls it does not persist its result.
"""

from __future__ import annotations

from typing import Any, cast

from prefect.blocks.system import Secret
from pydantic import SecretStr

from pipeline.delivery import DigestConfigError

_BLOCK_KEYS = {
    "host": "smtp_host",
    "port": "smtp_port",
    "user": "smtp_user",
    "username": "smtp_user",
    "password": "smtp_password",
    "security": "smtp_security",
    "timeout": "smtp_timeout_seconds",
    "from": "digest_from",
    "to": "digest_to",
}


def smtp_overrides_from_block(name: str) -> dict[str, Any]:
    """Settings overrides from a Prefect `Secret` block whose value is a JSON object.

    Keys: host, port, user (or username), password, security, timeout, from, to (a list or a
    comma-separated string); `smtp_host`-style names are accepted too.
    """
    block = cast(Secret[Any], Secret.load(name))  # sync call: a block, not a coroutine
    value = block.get()
    if not isinstance(value, dict):
        raise DigestConfigError(
            f"Prefect Secret block {name!r} must hold a JSON object of SMTP settings"
        )
    overrides: dict[str, Any] = {}
    for key, item in value.items():
        field = _BLOCK_KEYS.get(str(key).lower(), str(key).lower())
        if field not in set(_BLOCK_KEYS.values()):
            raise DigestConfigError(f"Prefect Secret block {name!r}: unknown SMTP setting {key!r}")
        overrides[field] = SecretStr(str(item)) if field == "smtp_password" else item
    return overrides
