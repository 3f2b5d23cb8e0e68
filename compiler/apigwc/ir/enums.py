"""Closed vocabularies of API Gateway, spelled as its API spells them (upper case)."""

from __future__ import annotations

import enum


class Protocol(enum.StrEnum):
    REST = "REST"
    HTTP = "HTTP"


class SourceFormat(enum.StrEnum):
    SWAGGER2 = "swagger2"
    OAS30 = "oas30"
    OAS31 = "oas31"


class IntegrationType(enum.StrEnum):
    AWS = "AWS"
    AWS_PROXY = "AWS_PROXY"
    HTTP = "HTTP"
    HTTP_PROXY = "HTTP_PROXY"
    MOCK = "MOCK"


class PassthroughBehavior(enum.StrEnum):
    WHEN_NO_MATCH = "WHEN_NO_MATCH"
    WHEN_NO_TEMPLATES = "WHEN_NO_TEMPLATES"
    NEVER = "NEVER"


class ContentHandling(enum.StrEnum):
    CONVERT_TO_BINARY = "CONVERT_TO_BINARY"
    CONVERT_TO_TEXT = "CONVERT_TO_TEXT"


class ConnectionType(enum.StrEnum):
    INTERNET = "INTERNET"
    VPC_LINK = "VPC_LINK"


class ResponseTransferMode(enum.StrEnum):
    BUFFERED = "BUFFERED"
    STREAM = "STREAM"


class AuthorizerType(enum.StrEnum):
    TOKEN = "TOKEN"
    REQUEST = "REQUEST"
    COGNITO_USER_POOLS = "COGNITO_USER_POOLS"
    JWT = "JWT"


class ParameterLocation(enum.StrEnum):
    PATH = "path"
    QUERY = "query"
    HEADER = "header"
    COOKIE = "cookie"
    FORM_DATA = "formData"


class ApiKeySource(enum.StrEnum):
    HEADER = "HEADER"
    AUTHORIZER = "AUTHORIZER"


class EndpointType(enum.StrEnum):
    EDGE = "EDGE"
    REGIONAL = "REGIONAL"
    PRIVATE = "PRIVATE"


class EndpointAccessMode(enum.StrEnum):
    BASIC = "BASIC"
    STRICT = "STRICT"


class GatewayResponseType(enum.StrEnum):
    ACCESS_DENIED = "ACCESS_DENIED"
    API_CONFIGURATION_ERROR = "API_CONFIGURATION_ERROR"
    AUTHORIZER_CONFIGURATION_ERROR = "AUTHORIZER_CONFIGURATION_ERROR"
    AUTHORIZER_FAILURE = "AUTHORIZER_FAILURE"
    BAD_REQUEST_PARAMETERS = "BAD_REQUEST_PARAMETERS"
    BAD_REQUEST_BODY = "BAD_REQUEST_BODY"
    DEFAULT_4XX = "DEFAULT_4XX"
    DEFAULT_5XX = "DEFAULT_5XX"
    EXPIRED_TOKEN = "EXPIRED_TOKEN"
    INTEGRATION_FAILURE = "INTEGRATION_FAILURE"
    INTEGRATION_TIMEOUT = "INTEGRATION_TIMEOUT"
    INVALID_API_KEY = "INVALID_API_KEY"
    INVALID_SIGNATURE = "INVALID_SIGNATURE"
    MISSING_AUTHENTICATION_TOKEN = "MISSING_AUTHENTICATION_TOKEN"
    QUOTA_EXCEEDED = "QUOTA_EXCEEDED"
    REQUEST_TOO_LARGE = "REQUEST_TOO_LARGE"
    RESOURCE_NOT_FOUND = "RESOURCE_NOT_FOUND"
    THROTTLED = "THROTTLED"
    UNAUTHORIZED = "UNAUTHORIZED"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    WAF_FILTERED = "WAF_FILTERED"


class DocumentationLocationType(enum.StrEnum):
    API = "API"
    AUTHORIZER = "AUTHORIZER"
    MODEL = "MODEL"
    RESOURCE = "RESOURCE"
    METHOD = "METHOD"
    PATH_PARAMETER = "PATH_PARAMETER"
    QUERY_PARAMETER = "QUERY_PARAMETER"
    REQUEST_HEADER = "REQUEST_HEADER"
    REQUEST_BODY = "REQUEST_BODY"
    RESPONSE = "RESPONSE"
    RESPONSE_HEADER = "RESPONSE_HEADER"
    RESPONSE_BODY = "RESPONSE_BODY"


class QuotaPeriod(enum.StrEnum):
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"


class LoggingLevel(enum.StrEnum):
    OFF = "OFF"
    ERROR = "ERROR"
    INFO = "INFO"


# REST `ANY` stands for these seven verbs ([DG23] api-gateway-method-settings-method-request.md).
HTTP_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
OPENAPI_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
