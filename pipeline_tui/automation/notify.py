"""Sending a :class:`~pipeline_tui.automation.actions.Delivery`: chat, e-mail, webhooks, commands.

Targets are URL-style strings from the rules:

- ``slack:URL``, ``teams:URL``, ``dingtalk:URL``, ``wecom:URL``, ``feishu:URL``
  and ``webhook:URL``: the incoming-webhook URL of that service (https in real
  life) and the JSON payload it expects, built here and posted with urllib;
- ``run:{"command": [...]}``: a command run with the deal as JSON on stdin;
- anything else with ``://`` (``mailto://``, ``mailtos://``, ``json://``...):
  handed to apprise, the maintained notification library.

``${NAME}`` in a target is read from the environment only here, at sending
time, so tokens and SMTP passwords stay out of the repository (put them in
the environment, or in an ``EnvironmentFile`` outside it).  Every failure
(refused, non-2xx, an error code in the reply, a timeout) becomes a
:class:`DeliveryError` with one line saying why; the engine records it for
the next run to retry.
"""

from __future__ import annotations

import json
import os
import subprocess
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

from pipeline_tui.automation.actions import Delivery
from pipeline_tui.automation.templates import expand_environment
from pipeline_tui.i18n import _

DEFAULT_TIMEOUT_S = 10.0


class DeliveryError(Exception):
    """A notification that did not arrive; the message says why in one line."""


def send(
    delivery: Delivery,
    timeout: float = DEFAULT_TIMEOUT_S,
    environ: Mapping[str, str] | None = None,
) -> None:
    """Deliver one message or run one command; raises :class:`DeliveryError`."""
    env = os.environ if environ is None else environ
    try:
        target = expand_environment(delivery.target, env)
    except KeyError as exc:
        raise DeliveryError(
            _("environment variable {args} is not set").format(args=exc.args[0])
        ) from None
    kind, _sep, rest = target.partition(":")
    shape = SHAPES.get(kind)
    if shape is not None and rest.startswith(("http://", "https://")):
        post_json(rest, shape(delivery), timeout)
    elif kind == "run":
        run_command(rest, delivery.body, timeout)
    else:
        send_apprise(target, delivery, timeout)


def describe_target(target: str) -> str:
    """A target fit for a report: the kind and host, never a token or password."""
    kind, _sep, rest = target.partition(":")
    if kind == "run":
        return "run: " + " ".join(json.loads(rest).get("command", []))
    url = rest if kind in SHAPES else target
    scheme, _, tail = url.partition("://")
    host = tail.split("/", 1)[0].split("?", 1)[0].rsplit("@", 1)[-1]
    return f"{kind if kind in SHAPES else scheme}: {host}"


# --------------------------------------------------------------------------- payloads


def _text(delivery: Delivery) -> str:
    return f"{delivery.title}\n{delivery.body}"


def slack_payload(delivery: Delivery) -> dict[str, Any]:
    return {"text": f"*{delivery.title}*\n{delivery.body}"}


def teams_payload(delivery: Delivery) -> dict[str, Any]:
    """A Teams Workflows (Power Automate) message with one Adaptive Card."""
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {"type": "TextBlock", "text": delivery.title, "weight": "Bolder", "wrap": True},
            {"type": "TextBlock", "text": delivery.body, "wrap": True},
        ],
    }
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
        ],
    }


def dingtalk_payload(delivery: Delivery) -> dict[str, Any]:
    return {
        "msgtype": "markdown",
        "markdown": {"title": delivery.title, "text": f"### {delivery.title}\n\n{delivery.body}"},
    }


def wecom_payload(delivery: Delivery) -> dict[str, Any]:
    return {"msgtype": "text", "text": {"content": _text(delivery)}}


def feishu_payload(delivery: Delivery) -> dict[str, Any]:
    return {"msg_type": "text", "content": {"text": _text(delivery)}}


def webhook_payload(delivery: Delivery) -> dict[str, Any]:
    return {
        "title": delivery.title,
        "message": delivery.body,
        "deal": delivery.opp_id,
        "rule": delivery.rule,
    }


SHAPES: dict[str, Callable[[Delivery], dict[str, Any]]] = {
    "slack": slack_payload,
    "teams": teams_payload,
    "dingtalk": dingtalk_payload,
    "wecom": wecom_payload,
    "feishu": feishu_payload,
    "webhook": webhook_payload,
}


# --------------------------------------------------------------------------- transports


def post_json(url: str, payload: Mapping[str, Any], timeout: float) -> None:
    """POST ``payload`` as JSON; a non-2xx reply or an error code in the reply fails."""
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "pipeline-tui"},
    )
    host = url.split("://", 1)[-1].split("/", 1)[0]
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            reply = response.read(65536)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(
            _("{host} answered HTTP {code} {reason}").format(
                host=host, code=exc.code, reason=exc.reason
            )
        ) from None
    except TimeoutError:
        raise DeliveryError(
            _("{host} did not answer within {timeout:g}s").format(host=host, timeout=timeout)
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError):
            raise DeliveryError(
                _("{host} did not answer within {timeout:g}s").format(host=host, timeout=timeout)
            ) from None
        raise DeliveryError(
            _("cannot reach {host}: {reason}").format(host=host, reason=reason)
        ) from None
    _check_reply(host, reply)


def _check_reply(host: str, reply: bytes) -> None:
    """DingTalk, WeCom and Feishu answer 200 with ``errcode``/``code`` != 0 on failure."""
    try:
        body = json.loads(reply) if reply.strip() else None
    except ValueError:
        return
    if not isinstance(body, dict):
        return
    code = body.get("errcode", body.get("code", 0))
    if code not in (0, None, "0"):
        message = body.get("errmsg") or body.get("msg") or ""
        raise DeliveryError(f"{host} refused the message: code {code} {message}".rstrip())


def send_apprise(url: str, delivery: Delivery, timeout: float) -> None:
    """E-mail and every other apprise URL; one Apprise object per send (no throttle wait)."""
    import apprise  # lazy: ~100 ms, and only needed when something is sent

    notifier = apprise.Apprise()
    if not notifier.add(url):
        raise DeliveryError(
            _("apprise does not understand the target {describe_target!r}").format(
                describe_target=describe_target(url)
            )
        )
    for server in notifier:
        server.request_rate_per_sec = 0  # one message per object: no pause between sends
        if hasattr(server, "socket_connect_timeout"):
            server.socket_connect_timeout = timeout
            server.socket_read_timeout = timeout
        if hasattr(server, "timeout"):
            server.timeout = timeout
    result = notifier.notify(title=delivery.title, body=delivery.body)
    if not bool(result):
        raise DeliveryError(
            _("{describe_target} did not accept the message").format(
                describe_target=describe_target(url)
            )
        )


def run_command(spec_text: str, stdin: str, timeout: float) -> None:
    """Run an integration command with the deal as JSON on stdin; non-zero exit fails."""
    spec = json.loads(spec_text)
    command = [str(part) for part in spec["command"]]
    limit = float(spec.get("timeout") or timeout)
    try:
        done = subprocess.run(
            command, input=stdin.encode("utf-8"), capture_output=True, timeout=limit, check=False
        )
    except FileNotFoundError:
        raise DeliveryError(_("command not found: {command}").format(command=command[0])) from None
    except subprocess.TimeoutExpired:
        raise DeliveryError(
            _("{command} did not finish within {limit:g}s").format(command=command[0], limit=limit)
        ) from None
    if done.returncode != 0:
        last = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        raise DeliveryError(f"{command[0]} exited with {done.returncode}: {last[0]}".rstrip(": "))
