"""moto's server, answering one request at a time.

moto's own `moto_server` command serves requests on many threads, and its DynamoDB does not
lock: two transactions sent at once can interleave inside it, which real DynamoDB never
allows. Serving one request at a time makes each request atomic, as it is on AWS, so the
concurrency tests exercise the code's own races and not the emulator's.
"""

import argparse

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(args.host, args.port, app, threaded=False)


if __name__ == "__main__":
    main()
