"""The API Gateway console's access log formats, by name: `accessLog: {format: JSON}`.

Flows in: the lowered `x-apigwc` deployment and the API's protocol. Flows out: the deployment with
each stage's `accessLog.format` that is a preset's name (`CLF`, `JSON`, `XML`, `CSV`, in any case)
replaced by the preset's text, so that the runtime's access log, the CloudFormation and SAM
stages and validation all read the same format.

The texts are the console's, as the developer guide lists them (set-up-logging: REST APIs;
http-api-logging: HTTP APIs, whose presets name `$context.routeKey`, not a resource path).
REST's CLF reads `[$context.requestTime]"$context.httpMethod` with no space, as printed there.
"""

from __future__ import annotations

from apigwc.ir.deployment import Deployment
from apigwc.ir.enums import Protocol

REST_PRESETS = {
    "CLF": (
        "$context.identity.sourceIp $context.identity.caller $context.identity.user "
        '[$context.requestTime]"$context.httpMethod $context.resourcePath $context.protocol" '
        "$context.status $context.responseLength $context.requestId $context.extendedRequestId"
    ),
    "JSON": (
        '{ "requestId":"$context.requestId", "extendedRequestId":"$context.extendedRequestId",'
        '"ip": "$context.identity.sourceIp", "caller":"$context.identity.caller", '
        '"user":"$context.identity.user", "requestTime":"$context.requestTime", '
        '"httpMethod":"$context.httpMethod", "resourcePath":"$context.resourcePath", '
        '"status":"$context.status", "protocol":"$context.protocol", '
        '"responseLength":"$context.responseLength" }'
    ),
    "XML": (
        '<request id="$context.requestId"> '
        "<extendedRequestId>$context.extendedRequestId</extendedRequestId> "
        "<ip>$context.identity.sourceIp</ip> <caller>$context.identity.caller</caller> "
        "<user>$context.identity.user</user> <requestTime>$context.requestTime</requestTime> "
        "<httpMethod>$context.httpMethod</httpMethod> "
        "<resourcePath>$context.resourcePath</resourcePath> <status>$context.status</status> "
        "<protocol>$context.protocol</protocol> "
        "<responseLength>$context.responseLength</responseLength> </request>"
    ),
    "CSV": (
        "$context.identity.sourceIp,$context.identity.caller,$context.identity.user,"
        "$context.requestTime,$context.httpMethod,$context.resourcePath,$context.protocol,"
        "$context.status,$context.responseLength,$context.requestId,$context.extendedRequestId"
    ),
}
HTTP_PRESETS = {
    "CLF": (
        '$context.identity.sourceIp - - [$context.requestTime] "$context.httpMethod '
        '$context.routeKey $context.protocol" $context.status $context.responseLength '
        "$context.requestId"
    ),
    "JSON": (
        '{ "requestId":"$context.requestId", "ip": "$context.identity.sourceIp", '
        '"requestTime":"$context.requestTime", "httpMethod":"$context.httpMethod",'
        '"routeKey":"$context.routeKey", "status":"$context.status",'
        '"protocol":"$context.protocol", "responseLength":"$context.responseLength" }'
    ),
    "XML": (
        '<request id="$context.requestId"> <ip>$context.identity.sourceIp</ip> '
        "<requestTime>$context.requestTime</requestTime> "
        "<httpMethod>$context.httpMethod</httpMethod> <routeKey>$context.routeKey</routeKey> "
        "<status>$context.status</status> <protocol>$context.protocol</protocol> "
        "<responseLength>$context.responseLength</responseLength> </request>"
    ),
    "CSV": (
        "$context.identity.sourceIp,$context.requestTime,$context.httpMethod,$context.routeKey,"
        "$context.protocol,$context.status,$context.responseLength,$context.requestId"
    ),
}


def preset(name: str, protocol: Protocol) -> str | None:
    """The preset called `name` (any case, surrounding spaces ignored), else None."""
    presets = HTTP_PRESETS if protocol is Protocol.HTTP else REST_PRESETS
    return presets.get(name.strip().upper())


def expand_presets(deployment: Deployment, protocol: Protocol) -> Deployment:
    """`deployment` with every stage's preset name replaced by the preset's format."""
    stages = dict(deployment.stages)
    changed = False
    for name, stage in stages.items():
        log = stage.access_log
        text = preset(log.format, protocol) if log is not None else None
        if log is not None and text is not None:
            stages[name] = stage.model_copy(
                update={"access_log": log.model_copy(update={"format": text})}
            )
            changed = True
    return deployment.model_copy(update={"stages": stages}) if changed else deployment
