"""The URL schemes apprise can send to, known without importing it on every write.

``pipeline.yaml``'s rules are checked on every write (a rule with an error
turns the automations off), and asking apprise which schemes it has costs
0.7 s (it imports every plugin).  So the schemes of the apprise this was
released with are listed here; a test compares them with the installed
apprise.  A scheme not listed is asked of apprise itself (a newer apprise
may have it), once per process.
"""

from __future__ import annotations

from functools import cache

#: apprise 2.3.0's schemes (``NotificationManager().schemas()``), as words.
_LISTED = """
    46elks acs amqp amqps apprise apprises aprs atalk awswhatsapp azure bale bark barks
    betterstack blink1 bluesky brevo bsky bulksms bulkvs burstsms chanify clickatell
    clicksend cliq cm d7sms dapnet dbus deltachat deltachats dingtalk discord dot
    eight00com elks emby embys enigma2 enigma2s evolution evolutions exotel fcm feishu
    firehydrant flock flowtriq flowtriqs fluxer fluxers form forms freemobile gchat gio
    github glib gnome goalert goalerts gorush gorushs gotify gotifys groundmail groupme
    growl guilded gupshup hassio hassios httpsms humhub humhubs ifttt ilert incidentio
    infobip instagram irc ircs jellyfin jellyfins jira join json jsons kakao kakaotalk
    kaleyra kavenegar kde klr kodi kodis kook kudosity kumulos lametric lametrics lark
    lauther lfg line macosx mailersend mailgun mailto mailtos mastodon mastodons matrix
    matrixs misskey misskeys mmost mmosts mobilemessage mobilemsg mqtt mqtts msg91
    msgbird ncloud nclouds nctalk nctalks nexmo nostr notica noticas notifiarr notifico
    notificos notifyapp notifyre ntfy ntfys o365 octopush onebot onebots onesignal
    opsgenie opsimate opsimates pagerduty pagertree parsep parseps pbul pinglet pinglets
    pingram pjet pjets plivo postmark pover prowl psafer psafers push pushdeer pushdeers
    pushed pushme pushplus pushward pushy qq qt reddit resend revolt ringc rocket
    rockets rsyslog ryver schan sendgrid sendpulse serwersms ses session sessions seven
    sfr signal signalgrid signals signl4 simplepush sinch slack smpp smpps smsc smseagle
    smseagles smsmanager smsmgr smstunnel smtp2go sns sogs sparkpost spike splunk
    spugpush spush squadcast stackfield strmlabs synology synologys syslog telesign
    telnyx tgram threema toot toots trigv trigvs tweet twilio twist twitter vapid viber
    victorops voipms vonage webex wechat wecom wecombot whapi whatsapp windows workflow
    workflows wpush wxpusher wxteams x xbmc xbmcs xmatters xml xmls xmpp xmpps youlmk
    zalo zcliq zohocliq zoom zulip
"""
APPRISE_SCHEMES = frozenset(_LISTED.split())


def is_apprise_scheme(scheme: str) -> bool:
    """Can apprise send to ``scheme://...``?  Case does not matter, as in apprise."""
    scheme = scheme.lower()
    return scheme in APPRISE_SCHEMES or scheme in installed_schemes()


@cache
def installed_schemes() -> frozenset[str]:
    """The installed apprise's schemes (slow: only for a scheme the list lacks)."""
    import apprise

    schemes: set[str] = set()
    for plugin in apprise.Apprise().details(show_disabled=True)["schemas"]:
        for key in ("protocols", "secure_protocols"):
            found = plugin.get(key) or ()
            schemes.update([found] if isinstance(found, str) else found)
    return frozenset(s.lower() for s in schemes)
