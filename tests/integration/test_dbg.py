import threading
import time
import uuid
from decimal import Decimal

from django.db import connection

from eventstore.executor import Executor
from eventstore.inbox import submit
from eventstore.models import Command
from tests.pipeline import domain


def test_x(committed_db):
    a, b = uuid.uuid4(), uuid.uuid4()
    submit(domain.OpenAccount(a, "x"), actor="x")
    submit(domain.OpenAccount(b, "x"), actor="x")
    Executor().run()
    s = submit(domain.Stall(a, 2.0), actor="x").command_id
    t = threading.Thread(target=lambda: (Executor().run(), connection.close()))
    t.start()
    time.sleep(0.5)
    d = submit(domain.Deposit(b, Decimal(1)), actor="x").command_id
    n = Executor().run()
    print("\nclaimed", n, Command.objects.get(id=d).status, Command.objects.get(id=s).status)
    t.join()
