"""Custom domain names of `x-apigwc.domains`: domain, base-path mappings, Route 53 alias record.

Flows in: the template builder (its IR, binder and stage references). Flows out: resources added
to its template. What each endpoint type becomes (reference §4.1, §4.2, §4.4):

- REST, EDGE: `AWS::ApiGateway::DomainName` with `CertificateArn` (an ACM certificate in
  us-east-1) and an A alias to the CloudFront distribution (`DistributionDomainName`, hosted zone
  `Z2FDTNDATAQYW2`, the same in every region);
- REST, REGIONAL: `RegionalCertificateArn` (a certificate in the API's region) and an A alias to
  `RegionalDomainName` in the domain's `RegionalHostedZoneId`;
- REST, PRIVATE: `AWS::ApiGateway::DomainNameV2` and `BasePathMappingV2` (no public DNS record);
- HTTP: `AWS::ApiGatewayV2::DomainName` (regional only, TLS 1.2) with `ApiMapping`s.

A base path with more than one level (`orders/v1`) can only be mapped by `AWS::ApiGatewayV2::
ApiMapping`, for REST APIs too. Certificate ARNs and hosted zone ids are parameters whose default
is the value the spec wrote.
"""

from __future__ import annotations

from typing import Any

from apigwc.emitters.cfn_parts import TemplateParts
from apigwc.emitters.cfn_template import get_att, ref
from apigwc.ir.base import deployable_json
from apigwc.ir.deployment import Domain
from apigwc.ir.enums import EndpointType, Protocol

Json = Any
CLOUDFRONT_HOSTED_ZONE = "Z2FDTNDATAQYW2"  # every edge-optimized domain's alias target zone


def add_domains(builder: TemplateParts) -> None:
    if builder.sam_domain():
        return
    for domain in builder.deployment.domains:
        if builder.api.protocol is Protocol.HTTP:
            _http_domain(builder, domain)
        elif domain.endpoint_type is EndpointType.PRIVATE:
            _private_domain(builder, domain)
        else:
            _rest_domain(builder, domain)


def certificate(builder: TemplateParts, domain_id: str, domain: Domain) -> Json:
    value = domain.certificate_arn
    if value is not None and not isinstance(value, str):
        return builder.binder.bind(deployable_json(value))
    spec: dict[str, Json] = {"Description": f"ACM certificate ARN for {domain.name}"}
    if domain.endpoint_type is EndpointType.EDGE:
        spec["Description"] += " (edge-optimized: the certificate must be in us-east-1)"
    if value is not None:
        spec["Default"] = value
    return ref(
        builder.template.add_parameter(builder.template.new_id(domain_id, "CertificateArn"), spec)
    )


def _rest_domain(builder: TemplateParts, domain: Domain) -> None:
    template = builder.template
    domain_id = template.new_id("Domain", domain.name)
    edge = domain.endpoint_type is EndpointType.EDGE
    props: dict[str, Json] = {
        "DomainName": domain.name,
        "EndpointConfiguration": {"Types": [domain.endpoint_type.value]},
        "SecurityPolicy": domain.security_policy,
        "EndpointAccessMode": domain.endpoint_access_mode,
    }
    props["CertificateArn" if edge else "RegionalCertificateArn"] = certificate(
        builder, domain_id, domain
    )
    props |= _mtls(builder, domain)
    template.add_resource(domain_id, "AWS::ApiGateway::DomainName", props)
    for base_path, stage in domain.base_paths.items():
        if stage not in builder.stage_refs:
            continue
        if "/" in base_path.strip("/"):
            _api_mapping(builder, domain_id, base_path, stage)
            continue
        template.add_resource(
            template.new_id(domain_id, "Mapping", base_path or "Root"),
            "AWS::ApiGateway::BasePathMapping",
            {
                "DomainName": ref(domain_id),
                "RestApiId": ref("Api"),
                "Stage": builder.stage_refs[stage],
                "BasePath": base_path or None,
            },
        )
    target: tuple[Json, Json]
    if edge:
        target = (get_att(domain_id, "DistributionDomainName"), CLOUDFRONT_HOSTED_ZONE)
    else:
        target = (
            get_att(domain_id, "RegionalDomainName"),
            get_att(domain_id, "RegionalHostedZoneId"),
        )
    _alias_record(builder, domain_id, domain, *target)


def _private_domain(builder: TemplateParts, domain: Domain) -> None:
    template = builder.template
    domain_id = template.new_id("Domain", domain.name)
    policy = builder.private_policy() or {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "execute-api:Invoke",
                "Resource": "execute-api:/*",
            }
        ],
    }
    props: dict[str, Json] = {
        "DomainName": domain.name,
        "CertificateArn": certificate(builder, domain_id, domain),
        "EndpointConfiguration": {"Types": ["PRIVATE"]},
        "SecurityPolicy": domain.security_policy or "TLS_1_2",
        "Policy": policy,
    }
    template.add_resource(domain_id, "AWS::ApiGateway::DomainNameV2", props)
    for base_path, stage in domain.base_paths.items():
        if stage in builder.stage_refs:
            template.add_resource(
                template.new_id(domain_id, "Mapping", base_path or "Root"),
                "AWS::ApiGateway::BasePathMappingV2",
                {
                    "DomainNameArn": get_att(domain_id, "DomainNameArn"),
                    "RestApiId": ref("Api"),
                    "Stage": builder.stage_refs[stage],
                    "BasePath": base_path or None,
                },
            )


def _http_domain(builder: TemplateParts, domain: Domain) -> None:
    template = builder.template
    domain_id = template.new_id("Domain", domain.name)
    configuration = {
        "CertificateArn": certificate(builder, domain_id, domain),
        "EndpointType": "REGIONAL",  # HTTP APIs take regional custom domains only
        "SecurityPolicy": "TLS_1_2",  # and only TLS 1.2
    }
    if domain.ownership_verification_certificate_arn is not None:
        configuration["OwnershipVerificationCertificateArn"] = builder.binder.bind(
            deployable_json(domain.ownership_verification_certificate_arn)
        )
    props: dict[str, Json] = {
        "DomainName": domain.name,
        "DomainNameConfigurations": [configuration],
    }
    if domain.mutual_tls is not None:
        props["MutualTlsAuthentication"] = _mtls_block(domain)
    template.add_resource(domain_id, "AWS::ApiGatewayV2::DomainName", props)
    for base_path, stage in domain.base_paths.items():
        if stage in builder.stage_refs:
            _api_mapping(builder, domain_id, base_path, stage)
    target = (get_att(domain_id, "RegionalDomainName"), get_att(domain_id, "RegionalHostedZoneId"))
    _alias_record(builder, domain_id, domain, *target)


def _api_mapping(builder: TemplateParts, domain_id: str, base_path: str, stage: str) -> None:
    builder.template.add_resource(
        builder.template.new_id(domain_id, "Mapping", base_path or "Root"),
        "AWS::ApiGatewayV2::ApiMapping",
        {
            "DomainName": ref(domain_id),
            "ApiId": ref("Api"),
            "Stage": builder.stage_refs[stage],
            "ApiMappingKey": base_path.strip("/") or None,
        },
    )


def _alias_record(
    builder: TemplateParts, domain_id: str, domain: Domain, dns_name: Json, zone: Json
) -> None:
    """An A alias record for the domain in its hosted zone (by id, or by name when only that is
    known); no record when the spec names no zone (DNS hosted elsewhere)."""
    template = builder.template
    zone_spec: dict[str, Json]
    if domain.hosted_zone_id is not None:
        param = template.new_id(domain_id, "HostedZoneId")
        template.add_parameter(
            param,
            {
                "Default": domain.hosted_zone_id,
                "Description": f"Route 53 hosted zone of {domain.name}",
            },
        )
        zone_spec = {"HostedZoneId": ref(param)}
    elif domain.hosted_zone_name is not None:
        zone_spec = {"HostedZoneName": _fqdn(domain.hosted_zone_name)}
    else:
        zone_spec = {}
    if zone_spec:
        template.add_resource(
            template.new_id(domain_id, "Record"),
            "AWS::Route53::RecordSet",
            zone_spec
            | {
                "Name": domain.name,
                "Type": "A",
                "AliasTarget": {
                    "DNSName": dns_name,
                    "HostedZoneId": zone,
                    "EvaluateTargetHealth": False,
                },
            },
        )
    template.add_output(
        (domain_id, "Target"), dns_name, f"DNS target of the custom domain {domain.name}"
    )


def _mtls(builder: TemplateParts, domain: Domain) -> dict[str, Json]:
    out: dict[str, Json] = {}
    if domain.mutual_tls is not None:
        out["MutualTlsAuthentication"] = _mtls_block(domain)
    if domain.ownership_verification_certificate_arn is not None:
        out["OwnershipVerificationCertificateArn"] = builder.binder.bind(
            deployable_json(domain.ownership_verification_certificate_arn)
        )
    return out


def _mtls_block(domain: Domain) -> dict[str, Json]:
    assert domain.mutual_tls is not None
    block = {"TruststoreUri": domain.mutual_tls.truststore_uri}
    if domain.mutual_tls.truststore_version is not None:
        block["TruststoreVersion"] = domain.mutual_tls.truststore_version
    return block


def _fqdn(name: str) -> str:
    """Route 53 zone names end with a dot."""
    return name if name.endswith(".") else name + "."
