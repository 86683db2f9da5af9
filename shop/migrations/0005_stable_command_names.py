"""The inbox stores each command under its stable name (`sales.PlaceOrder`, from its
context's `COMMANDS`), no longer under its class's name.

Every stable name is the name the inbox already stored for that command (its context
and its class's name when this migration was written), so on a database Shop made no
row changes. The conversion runs anyway, from each stored name in the frozen table
below to its stable name, so that any row stored under a name that differs is brought
in line and a pending command is never orphaned. A class renamed later keeps its
stable name and needs no migration.
"""

from django.db import migrations

STABLE_NAMES = {
    # (service_name, operation) as stored: the stable name
    ("cart", "AddItem"): "cart.AddItem",
    ("cart", "RemoveItem"): "cart.RemoveItem",
    ("cart", "AdjustQuantity"): "cart.AdjustQuantity",
    ("cart", "CheckOut"): "cart.CheckOut",
    ("cart", "RestoreCheckout"): "cart.RestoreCheckout",
    ("sales", "CreateProduct"): "sales.CreateProduct",
    ("sales", "ChangeProductPrice"): "sales.ChangeProductPrice",
    ("sales", "DiscontinueProduct"): "sales.DiscontinueProduct",
    ("sales", "PlaceOrder"): "sales.PlaceOrder",
    ("sales", "RecordInvoice"): "sales.RecordInvoice",
    ("sales", "RecordPayment"): "sales.RecordPayment",
    ("sales", "RecordShipment"): "sales.RecordShipment",
    ("sales", "RecordDelivery"): "sales.RecordDelivery",
    ("sales", "CancelOrder"): "sales.CancelOrder",
    ("invoicing", "IssueInvoice"): "invoicing.IssueInvoice",
    ("invoicing", "RegisterPayment"): "invoicing.RegisterPayment",
    ("invoicing", "ExpireInvoice"): "invoicing.ExpireInvoice",
    ("invoicing", "SettleCancelledOrder"): "invoicing.SettleCancelledOrder",
    ("shipping", "CreateShipment"): "shipping.CreateShipment",
    ("shipping", "DispatchShipment"): "shipping.DispatchShipment",
    ("shipping", "ConfirmDelivery"): "shipping.ConfirmDelivery",
    ("shipping", "CancelShipment"): "shipping.CancelShipment",
}


def rename(apps, schema_editor, names: dict[tuple[str, str], tuple[str, str]]) -> None:
    """Store every command stored under a key of `names` under its value instead."""
    Command = apps.get_model("eventstore", "Command")
    for (service, operation), (new_service, new_operation) in names.items():
        if (service, operation) != (new_service, new_operation):
            Command.objects.filter(service_name=service, operation=operation).update(
                service_name=new_service, operation=new_operation
            )


def to_stable_names(apps, schema_editor) -> None:
    rename(apps, schema_editor, {k: tuple(v.split(".", 1)) for k, v in STABLE_NAMES.items()})


def to_stored_names(apps, schema_editor) -> None:
    rename(apps, schema_editor, {tuple(v.split(".", 1)): k for k, v in STABLE_NAMES.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0004_integrations_group"),
        ("eventstore", "0006_stream_type_integrity"),
    ]

    operations = [migrations.RunPython(to_stable_names, to_stored_names)]
