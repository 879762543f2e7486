"""SNS and SQS: moto in server mode on 127.0.0.1, the alert topic and its read-back queue.

moto keeps everything in memory, so after a restart of the server ``up`` creates the topic,
queue and subscription again; every step here is idempotent.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import structlog
from botocore.exceptions import BotoCoreError, ClientError

from fraudd.localstack import process
from fraudd.localstack.errors import LocalStackError
from fraudd.localstack.process import LOOPBACK, ProcessRef
from fraudd.settings import SnsSettings, SqsSettings

log = structlog.get_logger(__name__)

START_TIMEOUT_S = 60.0
FIFO_SUFFIX = ".fifo"


def endpoint(port: int) -> str:
    """The URL moto answers on (all services share it)."""
    return f"http://{LOOPBACK}:{port}"


def start(port: int, log_path: Path) -> ProcessRef:
    """Start ``python -m moto.server`` from this interpreter's environment, on loopback."""
    if importlib.util.find_spec("moto") is None:
        raise LocalStackError("moto is not installed here: install fraudd with its 'local' extra")
    argv = [sys.executable, "-m", "moto.server", "-H", LOOPBACK, "-p", str(port)]
    ref = process.spawn(argv, log_path, cwd=log_path.parent)
    log.info("moto.started", pid=ref.pid, port=port)
    return ref


def healthy(sns: Any) -> bool:
    """True if moto answers an SNS call."""
    try:
        sns.list_topics()
    except (BotoCoreError, ClientError):
        return False
    return True


def check_names(sns: SnsSettings, sqs: SqsSettings) -> None:
    """FIFO topics need FIFO names, and a FIFO topic can only deliver to a FIFO queue."""
    if not sns.fifo:
        return
    for key, name in (("sns.topic_name", sns.topic_name), ("sqs.queue_name", sqs.queue_name)):
        if not name.endswith(FIFO_SUFFIX):
            raise LocalStackError(f"{key} must end with {FIFO_SUFFIX} because sns.fifo is true")


def ensure_topic(sns_client: Any, sns: SnsSettings) -> str:
    """Create the topic (FIFO when configured) unless it exists; return its ARN."""
    attributes = {"FifoTopic": "true"} if sns.fifo else {}
    arn: str = sns_client.create_topic(Name=sns.topic_name, Attributes=attributes)["TopicArn"]
    return arn


def ensure_queue(sqs_client: Any, sqs: SqsSettings, fifo: bool) -> tuple[str, str]:
    """Create the read-back queue unless it exists; return its URL and ARN."""
    attributes = {"FifoQueue": "true"} if fifo else {}
    url: str = sqs_client.create_queue(QueueName=sqs.queue_name, Attributes=attributes)["QueueUrl"]
    found = sqs_client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return url, found["Attributes"]["QueueArn"]


def ensure_subscription(sns_client: Any, topic_arn: str, queue_arn: str) -> None:
    """Subscribe the queue to the topic, enveloped (not raw) so MessageAttributes travel along."""
    listed = sns_client.list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]
    if any(sub["Endpoint"] == queue_arn for sub in listed):
        return
    sns_client.subscribe(
        TopicArn=topic_arn,
        Protocol="sqs",
        Endpoint=queue_arn,
        Attributes={"RawMessageDelivery": "false"},
        ReturnSubscriptionArn=True,
    )
    log.info("sns.queue_subscribed", topic_arn=topic_arn, queue_arn=queue_arn)


def ensure_resources(
    sns_client: Any, sqs_client: Any, sns: SnsSettings, sqs: SqsSettings
) -> tuple[str, str]:
    """Topic, queue and subscription; return ``(topic_arn, queue_url)``."""
    check_names(sns, sqs)
    try:
        topic_arn = ensure_topic(sns_client, sns)
        queue_url, queue_arn = ensure_queue(sqs_client, sqs, sns.fifo)
        ensure_subscription(sns_client, topic_arn, queue_arn)
    except ClientError as exc:
        raise LocalStackError(f"moto refused to create SNS/SQS resources: {exc}") from exc
    return topic_arn, queue_url
