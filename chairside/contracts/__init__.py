"""What each service accepts and answers over RPC, and the error codes it may answer with.

A contract is shared by two sides: the service loads its input and dumps its answer
with these schemas, and the gateway validates request bodies with the same schemas at
its edge and documents its routes with them (/openapi.json). Keeping them here, once,
is what lets a service and the gateway never import each other.
"""
