"""apigwc: a compiler for Amazon API Gateway OpenAPI specs.

Pipeline (one package per stage, data flows one way):
    loader -> lowering -> validation -> emitters / export
"""

__version__ = "0.1.0"
