"""SNS and SQS on moto's server: the topic, its read-back queue and the subscription, made
idempotently; FIFO names checked before anything is created."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from fraudd.localstack import LocalStackError, StackInfo, moto
from fraudd.localstack import aws as local_aws
from fraudd.settings import Settings, SnsSettings, SqsSettings
from tests.localstack.test_aws import unanswered_client


def clients(local_stack: tuple[Settings, StackInfo]) -> tuple[Any, Any]:
    settings, info = local_stack
    return (
        local_aws.client("sns", settings, info.moto_endpoint),
        local_aws.client("sqs", settings, info.moto_endpoint),
    )


def test_fifo_topic_delivers_to_fifo_queue(local_stack: tuple[Settings, StackInfo]) -> None:
    sns_client, sqs_client = clients(local_stack)
    sns = SnsSettings(topic_name="alerts-test.fifo", fifo=True)
    sqs = SqsSettings(queue_name="alerts-test.fifo")

    topic_arn, queue_url = moto.ensure_resources(sns_client, sqs_client, sns, sqs)
    sns_client.publish(
        TopicArn=topic_arn, Message="m", MessageGroupId="card-1", MessageDeduplicationId="tx-1"
    )

    attributes = sns_client.get_topic_attributes(TopicArn=topic_arn)["Attributes"]
    assert attributes["FifoTopic"] == "true"
    received = sqs_client.receive_message(QueueUrl=queue_url, WaitTimeSeconds=5)
    assert json.loads(received["Messages"][0]["Body"])["Message"] == "m"


def test_fifo_topic_needs_fifo_names() -> None:
    with pytest.raises(LocalStackError, match=r"sns\.topic_name must end with \.fifo"):
        moto.check_names(SnsSettings(fifo=True), SqsSettings())
    with pytest.raises(LocalStackError, match=r"sqs\.queue_name must end with \.fifo"):
        moto.check_names(SnsSettings(topic_name="a.fifo", fifo=True), SqsSettings())
    moto.check_names(SnsSettings(topic_name="a"), SqsSettings(queue_name="q"))  # not FIFO


def test_resources_are_made_once_and_found_again(local_stack: tuple[Settings, StackInfo]) -> None:
    sns_client, sqs_client = clients(local_stack)
    tag = uuid.uuid4().hex[:8]
    sns, sqs = SnsSettings(topic_name=f"t-{tag}"), SqsSettings(queue_name=f"q-{tag}")

    first = moto.ensure_resources(sns_client, sqs_client, sns, sqs)
    again = moto.ensure_resources(sns_client, sqs_client, sns, sqs)

    assert first == again
    topic_arn, queue_url = first
    subscriptions = sns_client.list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]
    assert len(subscriptions) == 1 and subscriptions[0]["Protocol"] == "sqs"
    found = sns_client.get_subscription_attributes(
        SubscriptionArn=subscriptions[0]["SubscriptionArn"]
    )
    assert found["Attributes"]["RawMessageDelivery"] == "false"  # the envelope keeps attributes
    queue = sqs_client.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])
    assert "FifoQueue" not in queue["Attributes"]


def test_a_name_sns_refuses_is_a_local_stack_error(
    local_stack: tuple[Settings, StackInfo],
) -> None:
    sns_client, sqs_client = clients(local_stack)
    # A dot is allowed by the setting's pattern but only in FIFO topic names (".fifo").
    sns, sqs = SnsSettings(topic_name="alerts.v2"), SqsSettings(queue_name="q")
    with pytest.raises(LocalStackError, match="moto refused to create SNS/SQS resources"):
        moto.ensure_resources(sns_client, sqs_client, sns, sqs)


def test_healthy_only_when_moto_answers(local_stack: tuple[Settings, StackInfo]) -> None:
    settings, info = local_stack
    sns_client, _ = clients(local_stack)
    assert moto.healthy(sns_client)
    assert not moto.healthy(unanswered_client("sns"))
    assert moto.endpoint(settings.local.moto_port) == info.moto_endpoint


def test_start_needs_moto_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(moto.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(LocalStackError, match="install fraudd with its 'local' extra"):
        moto.start(1, tmp_path / "moto.log")
