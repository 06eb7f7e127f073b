"""moto's server, answering one request at a time.

moto's own `moto_server` command serves requests on many threads, and its DynamoDB does not
lock: two transactions sent at once can interleave inside it, which real DynamoDB never
allows. Serving one request at a time makes each request atomic, as it is on AWS, so the
concurrency tests exercise the code's own races and not the emulator's.

With `--light-transactions` (the benchmarks' sweeps at 100,000 tickets), a transaction no
longer copies whole tables: see `light_transactions`.
"""

import argparse
import copy

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple


def light_transactions() -> None:
    """Makes moto's TransactWriteItems cost what the transaction touches, not the table size.

    To undo a cancelled transaction, moto deep-copies each table the transaction names, once
    per item: with 100,000 tickets stored, a single transaction takes seconds, and a sweep at
    that size would take hours for the emulator's sake alone. Here the tables are not copied;
    instead the items the transaction names are saved before it runs and put back (or removed,
    if they did not exist) when it fails, which leaves the table as a cancelled transaction
    leaves it on DynamoDB. Swapping the `copy` module that moto's models see is safe only
    because this server answers one request at a time (`threaded=False` below).
    """
    import moto.dynamodb.models as models
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    class TablesNotCopied:
        """Stands in for the `copy` module inside moto's DynamoDB models during a transaction."""

        def __getattr__(self, name):
            return getattr(copy, name)

        @staticmethod
        def deepcopy(value, memo=None):
            return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    stock = DynamoDBBackend.transact_write_items

    def key_of(backend, op):
        table = backend.tables[op["TableName"]]
        if "Key" in op:
            return op["Key"]
        names = [table.hash_key_attr, table.range_key_attr]
        return {name: op["Item"][name] for name in names if name and name in op.get("Item", {})}

    def transact_write_items(self, transact_items):
        saved = []
        for entry in transact_items:
            _, op = next(iter(entry.items()))
            if op.get("TableName") not in self.tables:
                continue
            try:
                key = key_of(self, op)
                current = self.get_item(op["TableName"], key)
            except Exception:  # a malformed item: moto's own checks will refuse it
                continue
            attributes = copy.deepcopy(current.to_json()["Attributes"]) if current else None
            saved.append((op["TableName"], key, attributes))
        models.copy = TablesNotCopied()
        try:
            return stock(self, transact_items)
        except Exception:
            for table_name, key, attributes in reversed(saved):
                if attributes is None:
                    self.delete_item(table_name, key)
                else:
                    self.put_item(table_name, attributes)
            raise
        finally:
            models.copy = copy

    DynamoDBBackend.transact_write_items = transact_write_items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--light-transactions", action="store_true")
    args = parser.parse_args()
    if args.light_transactions:
        light_transactions()
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(args.host, args.port, app, threaded=False)


if __name__ == "__main__":
    main()
