"""The bot was installed for a person or added to a team: remember where to reach them,
and say hello."""

from __future__ import annotations

from datetime import timedelta

from dialogs import render
from dialogs.context import Deps, Inbound, Reply
from dialogs.people import language_for, person_of
from storage import conversations
from storage.models import ConversationKind

# Teams (and the Agents Playground on every page load) announces one installation with both
# an installationUpdate and a conversationUpdate, often at the same moment. The greeting goes
# out for whichever arrives first; a conversation written less than this long ago is not
# greeted again. A reinstall later on is greeted as before.
GREETING_QUIET = timedelta(minutes=1)


def kind_of(inbound: Inbound) -> ConversationKind:
    if inbound.conversation_type == "channel" or inbound.team_id:
        return ConversationKind.CHANNEL
    if inbound.conversation_type == "groupChat":
        return ConversationKind.GROUP_CHAT
    return ConversationKind.PERSONAL


async def remember_conversation(deps: Deps, inbound: Inbound) -> bool:
    """Store where to reach the conversation. True when it was new, or last written more
    than GREETING_QUIET ago (decided atomically, see storage.conversations.record)."""
    async with deps.sessions() as session, session.begin():
        kind = kind_of(inbound)
        person = await person_of(session, inbound) if kind is ConversationKind.PERSONAL else None
        recorded = await conversations.record(
            session,
            conversation_id=inbound.conversation_id,
            kind=kind,
            service_url=inbound.service_url,
            reference=dict(inbound.reference),
            quiet=GREETING_QUIET,
            now=deps.clock(),
            person_id=person.id if person is not None else None,
            user_aad_object_id=inbound.user_object_id
            if kind is ConversationKind.PERSONAL
            else None,
            tenant_id=inbound.tenant_id,
            team_id=inbound.team_id,
            channel_id=inbound.teams_channel_id,
            bot_id=inbound.bot_id,
            locale=inbound.locale,
        )
        return recorded.fresh


async def on_bot_added(deps: Deps, inbound: Inbound) -> list[Reply]:
    if not await remember_conversation(deps, inbound):
        return []
    async with deps.sessions() as session:
        person = await person_of(session, inbound)
    language = language_for(person, inbound)
    if kind_of(inbound) is ConversationKind.PERSONAL:
        name = person.display_name if person is not None else (inbound.user_name or "")
        return [render.personal_greeting(language, name)]
    return [render.team_greeting(language)]
