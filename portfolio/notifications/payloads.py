"""What a webhook receives for an event, in each preset's shape.

`describe(activity)` reads the event once (with absolute links to what it is
about); `body(preset, event)` formats it as:

- Standard Webhooks: `{"type": verb, "timestamp": ..., "data": {...}}`;
- a Slack incoming webhook: `{"text": ..., "blocks": [...]}` (Block Kit);
- a Microsoft Teams Workflows webhook: a message with one Adaptive Card.

Every preset is signed the Standard Webhooks way when sent (see `senders`).
"""

from __future__ import annotations

from typing import Any

from portfolio.models import Activity, RequestStatus, Verb, WebhookPreset
from portfolio.urls import external_url

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
ADAPTIVE_CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
DETAIL_LIMIT = 1000


def _clip(text: str | None, limit: int = DETAIL_LIMIT) -> str | None:
    if text is None:
        return None
    return text if len(text) <= limit else text[: limit - 1] + "…"


def summary(activity: Activity) -> str:
    """One sentence: who did what, as the activity trail phrases it."""
    actor = activity.actor.display_name if activity.actor else "Portfolio"
    sentence = f"{actor} {Verb(activity.verb).label} {activity.subject}"
    if activity.before and activity.after:
        sentence += f" ({activity.before} → {activity.after})"
    return sentence


def describe(activity: Activity) -> dict[str, Any]:
    """The event as data, with links a receiver can follow."""
    product, request, item = activity.product, activity.request, activity.item
    event: dict[str, Any] = {
        "id": activity.id,
        "verb": Verb(activity.verb).value,
        "summary": summary(activity),
        "subject": activity.subject,
        "before": activity.before,
        "after": activity.after,
        "occurred_at": activity.created_at.isoformat(),
        "actor": (
            {"id": activity.actor.id, "name": activity.actor.display_name}
            if activity.actor
            else None
        ),
        "product": None,
        "request": None,
        "item": None,
        "detail": None,
        "url": None,
    }
    if product is not None:
        event["product"] = {
            "id": product.id,
            "slug": product.slug,
            "name": product.name,
            "url": external_url("catalogue.show", slug=product.slug),
        }
        event["url"] = event["product"]["url"]
    if item is not None:
        event["item"] = {
            "id": item.id,
            "title": item.title,
            "column": item.column.value,
            "release_note": item.release_note if item.is_shipped else None,
            "url": external_url("board.show", item_id=item.id),
        }
        event["url"] = event["item"]["url"]
        if item.is_shipped and item.release_note:
            event["detail"] = _clip(item.release_note)
    if request is not None:
        declined = request.status is RequestStatus.DECLINED
        event["request"] = {
            "id": request.id,
            "title": request.title,
            "status": request.status.value,
            "decline_reason": request.decline_reason if declined else None,
            "url": external_url("requests.show", request_id=request.id),
        }
        event["url"] = event["request"]["url"]
        if declined and request.decline_reason:
            event["detail"] = _clip(request.decline_reason)
    return event


def body(preset: WebhookPreset, event: dict[str, Any]) -> dict[str, Any]:
    """The JSON body `preset` expects for `event`."""
    if preset is WebhookPreset.SLACK:
        return slack_body(event)
    if preset is WebhookPreset.TEAMS:
        return teams_body(event)
    return standard_body(event)


def standard_body(event: dict[str, Any]) -> dict[str, Any]:
    return {"type": event["verb"], "timestamp": event["occurred_at"], "data": event}


def _slack_escape(text: str) -> str:
    """Slack's mrkdwn treats &, < and > as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_body(event: dict[str, Any]) -> dict[str, Any]:
    headline = _slack_escape(event["summary"])
    if event["url"]:
        headline = f"<{event['url']}|{headline}>"
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": headline}},
    ]
    if event["detail"]:
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": _slack_escape(event["detail"])}}
        )
    context = [event["product"]["name"]] if event["product"] else []
    context.append(event["occurred_at"][:10])
    blocks.append(
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": _slack_escape(" · ".join(context))}],
        }
    )
    return {"text": event["summary"], "blocks": blocks}


def teams_body(event: dict[str, Any]) -> dict[str, Any]:
    facts = []
    if event["product"]:
        facts.append({"title": "Product", "value": event["product"]["name"]})
    if event["request"]:
        facts.append({"title": "Request", "value": event["request"]["title"]})
    if event["item"]:
        facts.append({"title": "Card", "value": event["item"]["title"]})
    facts.append({"title": "When", "value": event["occurred_at"][:16].replace("T", " ") + " UTC"})
    card_body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": event["summary"], "weight": "Bolder", "wrap": True},
        {"type": "FactSet", "facts": facts},
    ]
    if event["detail"]:
        card_body.append({"type": "TextBlock", "text": event["detail"], "wrap": True})
    card: dict[str, Any] = {
        "$schema": ADAPTIVE_CARD_SCHEMA,
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": card_body,
    }
    if event["url"]:
        card["actions"] = [
            {"type": "Action.OpenUrl", "title": "Open in Portfolio", "url": event["url"]}
        ]
    return {
        "type": "message",
        "attachments": [{"contentType": ADAPTIVE_CARD, "contentUrl": None, "content": card}],
    }
