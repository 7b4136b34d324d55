"""An S3-compatible server on loopback for the object-store tests (moto).

Starts moto's server on a free port with request authentication on, creates
an IAM user with an access key allowed everything, and a bucket. Prints one
JSON line -- {"endpoint", "key_id", "secret", "bucket"} -- then serves until
standard input closes (the test that started it ends or drops it).
"""

import json
import os
import socket
import sys

# Four unauthenticated actions (the set-up below), then every request must be
# signed with a key the server knows: wrong credentials are refused.
os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "4"

import boto3  # noqa: E402
from moto.server import ThreadedMotoServer  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    common = dict(
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="setup",
        aws_secret_access_key="setup",
    )
    iam = boto3.client("iam", **common)
    iam.create_user(UserName="adql")
    key = iam.create_access_key(UserName="adql")["AccessKey"]
    iam.put_user_policy(
        UserName="adql",
        PolicyName="all",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
            }
        ),
    )
    bucket = sys.argv[1] if len(sys.argv) > 1 else "adql"
    boto3.client("s3", **common).create_bucket(Bucket=bucket)
    print(
        json.dumps(
            {
                "endpoint": endpoint,
                "key_id": key["AccessKeyId"],
                "secret": key["SecretAccessKey"],
                "bucket": bucket,
            }
        ),
        flush=True,
    )
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    main()
