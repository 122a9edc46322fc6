"""What an account may have and do: one place for the numbers, so the rules that enforce them
and `GET /api/users/me`, which reports them, cannot disagree."""

from backend.core.config import Settings
from backend.schemas import common
from backend.schemas.user import AccountLimits


def account_limits(settings: Settings, *, is_guest: bool) -> AccountLimits:
    """A guest account's limits are smaller (GUEST_MAX_PROJECTS, GUEST_MESSAGES_PER_DAY)."""
    return AccountLimits(
        projects_per_account=(
            settings.GUEST_MAX_PROJECTS if is_guest else common.PROJECTS_PER_USER_MAX
        ),
        scenes_per_project=common.SCENES_PER_PROJECT_MAX,
        assistant_messages_per_day=(
            settings.GUEST_MESSAGES_PER_DAY if is_guest else settings.CHAT_MESSAGES_PER_DAY
        ),
    )
