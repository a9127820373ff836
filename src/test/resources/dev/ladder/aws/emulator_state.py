#!/usr/bin/python3
"""What AwsProvisioningIT needs from the AWS emulator, through boto3 (Debian's python3-boto3).

  emulator_state.py ENDPOINT certificate DOMAIN   request an ACM certificate, print its ARN
  emulator_state.py ENDPOINT snapshot NAME BUCKET print the state of everything named NAME-* as JSON

The test asserts on the snapshot; this script only reads and reshapes, it judges nothing.
"""
import json
import sys

import boto3

REGION = "us-east-1"


def client(endpoint, service):
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def ingress(group):
    """One entry per (port range, source): {"from", "to", "cidr"} or {"from", "to", "group"}."""
    rules = []
    for permission in group["IpPermissions"]:
        ports = {"protocol": permission.get("IpProtocol"), "from": permission.get("FromPort"),
                 "to": permission.get("ToPort")}
        rules += [dict(ports, cidr=source["CidrIp"]) for source in permission.get("IpRanges", [])]
        rules += [dict(ports, cidr=source["CidrIpv6"]) for source in permission.get("Ipv6Ranges", [])]
        rules += [dict(ports, group=source["GroupId"]) for source in permission.get("UserIdGroupPairs", [])]
    return rules


def missing_as_none(call):
    try:
        return call()
    except Exception as error:  # the emulator's "not found" errors differ per service
        return {"error": type(error).__name__}


def distribution(cloudfront, distribution_id):
    config = cloudfront.get_distribution_config(Id=distribution_id)["DistributionConfig"]
    return {"id": distribution_id, "enabled": config.get("Enabled"),
            "origins": [origin["DomainName"] for origin in config["Origins"].get("Items", [])],
            "paths": sorted(b["PathPattern"] for b in config.get("CacheBehaviors", {}).get("Items", []))}


def snapshot(endpoint, name, bucket):
    ec2 = client(endpoint, "ec2")
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [name]}])["Vpcs"]
    vpc_ids = [vpc["VpcId"] for vpc in vpcs]
    groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": vpc_ids}])["SecurityGroups"] if vpc_ids else []
    instances = [instance
                 for reservation in ec2.describe_instances(Filters=[
                     {"Name": "tag:Project", "Values": ["ladder"]},
                     {"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]}])["Reservations"]
                 for instance in reservation["Instances"]]
    nats = [nat for nat in ec2.describe_nat_gateways()["NatGateways"] if nat["State"] in ("pending", "available")]

    rds = client(endpoint, "rds")
    databases = [db for db in rds.describe_db_instances()["DBInstances"] if db["DBInstanceIdentifier"].startswith(name + "-")]

    elasticache = client(endpoint, "elasticache")
    # moto leaves a deleted group in "deleting" for ever; AWS removes it.
    caches = [group for group in elasticache.describe_replication_groups()["ReplicationGroups"]
              if group["ReplicationGroupId"].startswith(name + "-") and group.get("Status") != "deleting"]

    s3 = client(endpoint, "s3")
    buckets = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    bucket_state = None
    if bucket in buckets:
        bucket_state = {
            "publicAccessBlock": missing_as_none(lambda: s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]),
            "encryption": missing_as_none(lambda: s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]),
            "policy": json.loads(missing_as_none(lambda: s3.get_bucket_policy(Bucket=bucket))["Policy"]),
        }

    sqs = client(endpoint, "sqs")
    queues = {}
    for url in sqs.list_queues(QueueNamePrefix=name).get("QueueUrls", []):
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        queues[url.rsplit("/", 1)[1]] = attributes

    elbv2 = client(endpoint, "elbv2")
    balancers = [lb for lb in elbv2.describe_load_balancers()["LoadBalancers"] if lb["LoadBalancerName"].startswith(name)]
    listeners = []
    for lb in balancers:
        for listener in elbv2.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]:
            listener["Rules"] = elbv2.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]
            listeners.append(listener)
    target_groups = [tg for tg in elbv2.describe_target_groups()["TargetGroups"] if tg["TargetGroupName"].startswith(name + "-")]

    autoscaling = client(endpoint, "autoscaling")
    asgs = [group for group in autoscaling.describe_auto_scaling_groups()["AutoScalingGroups"]
            if group["AutoScalingGroupName"].startswith(name + "-")]
    policies = autoscaling.describe_policies()["ScalingPolicies"]
    schedules = autoscaling.describe_scheduled_actions()["ScheduledUpdateGroupActions"]

    cloudwatch = client(endpoint, "cloudwatch")
    alarms = [alarm for alarm in cloudwatch.describe_alarms()["MetricAlarms"] if alarm["AlarmName"].startswith(name + "-")]
    logs = client(endpoint, "logs")
    log_groups = logs.describe_log_groups(logGroupNamePrefix="/" + name + "/")["logGroups"]
    sns = client(endpoint, "sns")
    topics = [topic["TopicArn"] for topic in sns.list_topics()["Topics"] if topic["TopicArn"].endswith(":" + name + "-alerts")]
    cloudfront = client(endpoint, "cloudfront")
    distributions = cloudfront.list_distributions()["DistributionList"].get("Items", [])
    iam = client(endpoint, "iam")
    roles = [role["RoleName"] for role in iam.list_roles()["Roles"] if role["RoleName"].startswith(name + "-")]
    profiles = [p["InstanceProfileName"] for p in iam.list_instance_profiles()["InstanceProfiles"] if p["InstanceProfileName"].startswith(name + "-")]
    route53 = client(endpoint, "route53")
    zones = [zone["Name"] for zone in route53.list_hosted_zones()["HostedZones"]]
    launch_templates = [lt["LaunchTemplateName"] for lt in ec2.describe_launch_templates()["LaunchTemplates"]
                        if lt["LaunchTemplateName"].startswith(name + "-")]

    return {
        "vpcs": vpc_ids,
        "subnets": [s["CidrBlock"] for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": vpc_ids}])["Subnets"]] if vpc_ids else [],
        "securityGroups": {group["GroupName"]: {"id": group["GroupId"], "ingress": ingress(group)} for group in groups},
        "instances": [{"name": next((t["Value"] for t in instance.get("Tags", []) if t["Key"] == "Name"), ""),
                       "zone": instance["Placement"]["AvailabilityZone"],
                       "publicIp": instance.get("PublicIpAddress"),
                       "securityGroups": [g["GroupId"] for g in instance.get("SecurityGroups", [])]} for instance in instances],
        "addresses": [address.get("PublicIp") for address in ec2.describe_addresses()["Addresses"]],
        "natGateways": [nat["NatGatewayId"] for nat in nats],
        "databases": [{"id": db["DBInstanceIdentifier"], "encrypted": db.get("StorageEncrypted"),
                       "public": db.get("PubliclyAccessible"), "multiAz": db.get("MultiAZ"),
                       "replicaOf": db.get("ReadReplicaSourceDBInstanceIdentifier"),
                       "securityGroups": [g["VpcSecurityGroupId"] for g in db.get("VpcSecurityGroups", [])]} for db in databases],
        "caches": [{"id": group["ReplicationGroupId"], "automaticFailover": group.get("AutomaticFailover"),
                    "transitEncryption": group.get("TransitEncryptionEnabled"),
                    "atRestEncryption": group.get("AtRestEncryptionEnabled"),
                    "members": len(group.get("MemberClusters", []))} for group in caches],
        "buckets": buckets,
        "bucket": bucket_state,
        "queues": queues,
        "loadBalancers": [lb["LoadBalancerName"] for lb in balancers],
        "listeners": [{"port": listener["Port"], "protocol": listener["Protocol"],
                       "certificates": [c["CertificateArn"] for c in listener.get("Certificates", [])],
                       "defaultActions": listener["DefaultActions"], "rules": listener["Rules"]} for listener in listeners],
        "targetGroups": {tg["TargetGroupName"]: {"arn": tg["TargetGroupArn"], "healthCheckPort": tg.get("HealthCheckPort"),
                                                  "healthCheckPath": tg.get("HealthCheckPath")} for tg in target_groups},
        "autoscalingGroups": {group["AutoScalingGroupName"]: {
            "min": group["MinSize"], "max": group["MaxSize"], "desired": group["DesiredCapacity"],
            "zones": sorted(group["AvailabilityZones"]), "targetGroups": group.get("TargetGroupARNs", []),
            "policies": sorted(p["PolicyName"] for p in policies if p["AutoScalingGroupName"] == group["AutoScalingGroupName"]),
            "policyTypes": {p["PolicyName"]: p["PolicyType"] for p in policies if p["AutoScalingGroupName"] == group["AutoScalingGroupName"]},
            "scheduledActions": sorted(s["ScheduledActionName"] for s in schedules if s["AutoScalingGroupName"] == group["AutoScalingGroupName"]),
        } for group in asgs},
        "launchTemplates": launch_templates,
        "alarms": {alarm["AlarmName"]: {"threshold": alarm["Threshold"], "actions": alarm.get("AlarmActions", [])} for alarm in alarms},
        "logGroups": [group["logGroupName"] for group in log_groups],
        "topics": topics,
        "distributions": [distribution(cloudfront, d["Id"]) for d in distributions],
        "roles": roles,
        "instanceProfiles": profiles,
        "hostedZones": zones,
    }


def main(argv):
    endpoint, command = argv[1], argv[2]
    if command == "certificate":
        print(client(endpoint, "acm").request_certificate(DomainName=argv[3], ValidationMethod="DNS")["CertificateArn"])
    elif command == "snapshot":
        print(json.dumps(snapshot(endpoint, argv[3], argv[4]), default=str, indent=1, sort_keys=True))
    else:
        sys.exit("unknown command: " + command)


if __name__ == "__main__":
    main(sys.argv)
