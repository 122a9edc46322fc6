"""What the registry says about each tool (read-only, destructive, idempotent) and the one
approval rule built on it, which the MCP server (and the chat) follow."""

import pytest

from backend.assistant.tools import ACCOUNT_TOOLS, TOOLS

EVERY_TOOL = {**TOOLS, **ACCOUNT_TOOLS}


def test_the_chat_has_no_account_tools_and_mcp_has_both() -> None:
    assert set(ACCOUNT_TOOLS) == {"list_projects", "create_project"}
    assert not set(ACCOUNT_TOOLS) & set(TOOLS)


def test_deleting_tools_are_destructive_and_reads_are_idempotent() -> None:
    destructive = {name for name, tool in EVERY_TOOL.items() if tool.destructive}
    assert destructive == {name for name in EVERY_TOOL if name.startswith(("delete_", "remove_"))}
    for tool in EVERY_TOOL.values():
        if tool.read_only:
            assert tool.idempotent, tool.name
            assert not tool.destructive, tool.name
    assert not EVERY_TOOL["create_scene"].idempotent
    assert not EVERY_TOOL["create_project"].idempotent
    assert EVERY_TOOL["update_scene_title"].idempotent


@pytest.mark.parametrize("setting", ["destructive", "writes", "none"])
def test_the_approval_rule(setting: str) -> None:
    for tool in EVERY_TOOL.values():
        expected = {
            "destructive": tool.destructive,
            "writes": not tool.read_only,
            "none": False,
        }[setting]
        assert tool.needs_approval(setting) is expected, (setting, tool.name)
    asked = {name for name, tool in EVERY_TOOL.items() if tool.needs_approval(setting)}
    assert asked == {"destructive": {"delete_scene", "remove_dossier_item"}, "none": set()}.get(
        setting, {name for name, tool in EVERY_TOOL.items() if not tool.read_only}
    )
