"""What a request carries from the gateway to every service it calls: who acts, and the
request id that ties audit rows to it.

The gateway puts both in nameko's context data; nameko sends context data along with
every RPC as `nameko.<key>` headers, and the receiving service's unit of work reads them
(chairside.db). Nothing here is a secret: services trust their callers inside the
broker, as they trust their RPC arguments.
"""
ACTOR = "actor"
REQUEST_ID = "request_id"
ANONYMOUS = "anonymous"
OFFICE = "office"


def patient_actor(patient_id):
    return f"patient:{patient_id}"


def staff_actor(staff_id):
    return f"staff:{staff_id}"


def of_worker(worker_ctx):
    """(actor, request id) of the call a worker serves; (None, None) when not given."""
    data = worker_ctx.data
    return data.get(ACTOR), data.get(REQUEST_ID)


def act_as(worker_ctx, actor):
    """Later RPCs of this worker carry `actor` (the gateway, once it knows who calls)."""
    worker_ctx.data[ACTOR] = actor
