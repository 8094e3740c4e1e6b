"""gateway: the HTTP face of Chairside; it composes answers from the services over RPC."""
