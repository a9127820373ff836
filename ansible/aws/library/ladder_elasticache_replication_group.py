#!/usr/bin/python
# -*- coding: utf-8 -*-
# Ladder: an ElastiCache (Redis) replication group, which neither amazon.aws nor community.aws
# 5.x can create (community.aws.elasticache makes single cache clusters only: no replicas, no
# automatic failover, no encryption settings).

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: ladder_elasticache_replication_group
short_description: Create or delete an ElastiCache Redis replication group
description:
  - Creates a Redis replication group (a primary and replicas spread over zones) with automatic
    failover and encryption, or deletes it. A second run with the same options changes nothing;
    automatic failover, multi-AZ and the node type are modified in place, while settings AWS
    cannot change on a live group (encryption, engine, subnet group) are reported as warnings.
options:
  replication_group_id: {description: The group's name., required: true, type: str}
  description: {description: Free text shown in the console., type: str, default: Ladder}
  engine_version: {description: Redis version, e.g. 7.1., type: str}
  cache_node_type: {description: Node type, e.g. cache.m7g.large., type: str}
  num_cache_clusters: {description: Nodes in all, the primary included., type: int, default: 2}
  automatic_failover: {description: Promote a replica when the primary fails., type: bool, default: true}
  multi_az: {description: Keep the replicas in other zones than the primary., type: bool, default: true}
  transit_encryption: {description: TLS between clients and nodes., type: bool, default: true}
  at_rest_encryption: {description: Encrypt data on disk and in backups., type: bool, default: true}
  cache_subnet_group_name: {description: The subnet group (private subnets)., type: str}
  security_group_ids: {description: VPC security groups of the nodes., type: list, elements: str, default: []}
  port: {description: Redis port., type: int, default: 6379}
  tags: {description: Tags on the group., type: dict, default: {}}
  state: {description: present or absent., type: str, default: present, choices: [present, absent]}
  wait: {description: Wait until the group is available or gone., type: bool, default: true}
  wait_timeout: {description: Longest wait, in seconds., type: int, default: 1800}
extends_documentation_fragment:
  - amazon.aws.aws
  - amazon.aws.ec2
  - amazon.aws.boto3
'''

EXAMPLES = r'''
- name: Create the Redis replication group
  ladder_elasticache_replication_group:
    replication_group_id: ladder-cache
    engine_version: "7.1"
    cache_node_type: cache.m7g.large
    num_cache_clusters: 2
    cache_subnet_group_name: ladder-cache
    security_group_ids: [sg-0123456789abcdef0]
    state: present
'''

RETURN = r'''
replication_group:
  description: The group as DescribeReplicationGroups returns it (snake_case keys); empty when absent.
  returned: always
  type: dict
'''

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports the missing library

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry


def describe(client, group_id):
    try:
        groups = client.describe_replication_groups(ReplicationGroupId=group_id, aws_retry=True)
    except client.exceptions.ReplicationGroupNotFoundFault:
        return None
    return groups['ReplicationGroups'][0]


def wait_for(client, module, waiter_name, group_id):
    if not module.params['wait']:
        return
    delay = 15
    client.get_waiter(waiter_name).wait(
        ReplicationGroupId=group_id,
        WaiterConfig={'Delay': delay, 'MaxAttempts': max(1, module.params['wait_timeout'] // delay)})


def create(client, module):
    params = module.params
    request = dict(
        ReplicationGroupId=params['replication_group_id'],
        ReplicationGroupDescription=params['description'],
        Engine='redis',
        NumCacheClusters=params['num_cache_clusters'],
        AutomaticFailoverEnabled=params['automatic_failover'],
        MultiAZEnabled=params['multi_az'],
        TransitEncryptionEnabled=params['transit_encryption'],
        AtRestEncryptionEnabled=params['at_rest_encryption'],
        SecurityGroupIds=params['security_group_ids'],
        Port=params['port'],
        Tags=[{'Key': key, 'Value': str(value)} for key, value in params['tags'].items()],
    )
    for option, key in (('engine_version', 'EngineVersion'), ('cache_node_type', 'CacheNodeType'),
                        ('cache_subnet_group_name', 'CacheSubnetGroupName')):
        if params[option]:
            request[key] = params[option]
    if module.check_mode:
        return {}
    client.create_replication_group(aws_retry=True, **request)
    wait_for(client, module, 'replication_group_available', params['replication_group_id'])
    return describe(client, params['replication_group_id'])


def update(client, module, group):
    """Modifies what AWS can change on a live group; returns (changed, group)."""
    params = module.params
    changes = {}
    failover = group.get('AutomaticFailover') in ('enabled', 'enabling')
    if failover != params['automatic_failover']:
        changes['AutomaticFailoverEnabled'] = params['automatic_failover']
    multi_az = group.get('MultiAZ') == 'enabled'
    if 'MultiAZ' in group and multi_az != params['multi_az']:
        changes['MultiAZEnabled'] = params['multi_az']
    if params['cache_node_type'] and group.get('CacheNodeType') not in (None, params['cache_node_type']):
        changes['CacheNodeType'] = params['cache_node_type']
    for option, key in (('transit_encryption', 'TransitEncryptionEnabled'), ('at_rest_encryption', 'AtRestEncryptionEnabled')):
        if key in group and bool(group[key]) != params[option]:
            module.warn('%s cannot be changed on a live replication group (it is %s); recreate it to change it'
                        % (option, group[key]))
    if not changes:
        return False, group
    if not module.check_mode:
        client.modify_replication_group(ReplicationGroupId=params['replication_group_id'], ApplyImmediately=True,
                                        aws_retry=True, **changes)
        wait_for(client, module, 'replication_group_available', params['replication_group_id'])
        group = describe(client, params['replication_group_id'])
    return True, group


def delete(client, module, group):
    """Deletes the group unless that is under way already; returns whether it asked for it."""
    if group.get('Status') == 'deleting':
        wait_for(client, module, 'replication_group_deleted', module.params['replication_group_id'])
        return False
    if module.check_mode:
        return True
    client.delete_replication_group(ReplicationGroupId=module.params['replication_group_id'],
                                    RetainPrimaryCluster=False, aws_retry=True)
    wait_for(client, module, 'replication_group_deleted', module.params['replication_group_id'])
    return True


def main():
    argument_spec = dict(
        replication_group_id=dict(type='str', required=True),
        description=dict(type='str', default='Ladder'),
        engine_version=dict(type='str'),
        cache_node_type=dict(type='str'),
        num_cache_clusters=dict(type='int', default=2),
        automatic_failover=dict(type='bool', default=True),
        multi_az=dict(type='bool', default=True),
        transit_encryption=dict(type='bool', default=True),
        at_rest_encryption=dict(type='bool', default=True),
        cache_subnet_group_name=dict(type='str'),
        security_group_ids=dict(type='list', elements='str', default=[]),
        port=dict(type='int', default=6379),
        tags=dict(type='dict', default={}),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        wait=dict(type='bool', default=True),
        wait_timeout=dict(type='int', default=1800),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    if module.params['automatic_failover'] and module.params['num_cache_clusters'] < 2:
        module.fail_json(msg='automatic_failover needs num_cache_clusters >= 2')
    client = module.client('elasticache', retry_decorator=AWSRetry.jittered_backoff())

    try:
        group = describe(client, module.params['replication_group_id'])
        changed = False
        if module.params['state'] == 'present':
            if group is None:
                group, changed = create(client, module), True
            else:
                changed, group = update(client, module, group)
        elif group is not None:
            changed = delete(client, module, group)
            group = None
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as error:
        module.fail_json_aws(error, msg='ElastiCache replication group %s' % module.params['replication_group_id'])
    except botocore.exceptions.WaiterError as error:
        module.fail_json(msg='Timed out waiting for replication group %s: %s'
                             % (module.params['replication_group_id'], error))

    module.exit_json(changed=changed, replication_group=camel_dict_to_snake_dict(group or {}))


if __name__ == '__main__':
    main()
