"""billing's contract: a patient's balance."""
from marshmallow import Schema, fields


class Balance(Schema):
    balance_cents = fields.Integer(required=True, attribute="cents",
                                   metadata={"description": "Integer cents; positive means owed."})
    currency = fields.String(required=True, metadata={"description": "ISO 4217, such as USD."})
