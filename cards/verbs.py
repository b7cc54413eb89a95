"""Action.Execute verbs. Every verb a card emits must have a handler in the bot's router;
tests/bot/test_verbs.py checks that."""

from __future__ import annotations

SUBMIT_STATUS = "lagesbot.status.submit"
EDIT_STATUS = "lagesbot.status.edit"
SHOW_PAGE = "lagesbot.status.page"
# An item's history (issue 17): from the status card's "Visa historik" and its own pages.
SHOW_HISTORY = "lagesbot.history.show"
# Review (fastställande, issue 17): the reviewer's buttons. Handlers re-check the reviewer.
REVIEW_APPROVE = "lagesbot.review.approve"
REVIEW_RETURN = "lagesbot.review.return"

# Admins: reporting rounds. Handlers re-check admin rights on every invoke.
ADMIN_ROUND_FORM = "lagesbot.admin.round.form"
ADMIN_PREVIEW_ROUND = "lagesbot.admin.round.preview"
ADMIN_CREATE_ROUND = "lagesbot.admin.round.create"
ADMIN_OPEN_ROUND = "lagesbot.admin.round.open"
ADMIN_LIST_ROUNDS = "lagesbot.admin.round.list"
ADMIN_EXTEND_ROUND = "lagesbot.admin.round.extend"
ADMIN_CONFIRM_CLOSE = "lagesbot.admin.round.confirm_close"
ADMIN_CLOSE_ROUND = "lagesbot.admin.round.close"
ADMIN_COPY_ROUND = "lagesbot.admin.round.copy"
ADMIN_RETRY_FAILED = "lagesbot.admin.round.retry_failed"
ADMIN_VERBS: frozenset[str] = frozenset(
    {
        ADMIN_ROUND_FORM,
        ADMIN_PREVIEW_ROUND,
        ADMIN_CREATE_ROUND,
        ADMIN_OPEN_ROUND,
        ADMIN_LIST_ROUNDS,
        ADMIN_EXTEND_ROUND,
        ADMIN_CONFIRM_CLOSE,
        ADMIN_CLOSE_ROUND,
        ADMIN_COPY_ROUND,
        ADMIN_RETRY_FAILED,
    }
)

# Admins: the planning controller's set-up in Teams (dialogs/controller.py); admin-only too.
CONTROLLER_IMPORT = "lagesbot.admin.import.confirm"
CONTROLLER_CANCEL = "lagesbot.admin.import.cancel"
STEERING_SAVE = "lagesbot.admin.steering.save"
STEERING_LIST = "lagesbot.admin.steering.list"
STEERING_EDIT = "lagesbot.admin.steering.edit"
STEERING_CONFIRM_REMOVE = "lagesbot.admin.steering.confirm_remove"
STEERING_REMOVE = "lagesbot.admin.steering.remove"
ADMINS_ADD = "lagesbot.admin.admins.add"
ADMINS_REMOVE = "lagesbot.admin.admins.remove"
CONTROLLER_VERBS: frozenset[str] = frozenset(
    {
        CONTROLLER_IMPORT,
        CONTROLLER_CANCEL,
        STEERING_SAVE,
        STEERING_LIST,
        STEERING_EDIT,
        STEERING_CONFIRM_REMOVE,
        STEERING_REMOVE,
        ADMINS_ADD,
        ADMINS_REMOVE,
    }
)

ALL_VERBS: frozenset[str] = (
    frozenset({SUBMIT_STATUS, EDIT_STATUS, SHOW_PAGE, SHOW_HISTORY, REVIEW_APPROVE, REVIEW_RETURN})
    | ADMIN_VERBS
    | CONTROLLER_VERBS
)
