#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) pcp developers
# MIT or Apache-2.0 (see the licence files at the root of the repository)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: pgpool_backend
short_description: Attach, detach or promote a Pgpool-II backend, idempotently, over PCP
description:
  - Puts one backend of a Pgpool-II instance in the requested state, through the failover
    glue of the C(pgpool_pcp) package (C(Client.attach), C(Client.detach),
    C(Client.promote)), the operations behind C(pcpctl attach|detach|promote).
  - The backend is named by its node id (O(node_id)) or by its address (O(host)), matched
    against Pgpool's C(backend_hostnameN) the way the EFM hooks match it.
  - Idempotent. The node's state is read first, from Pgpool's memory (pool status, and
    health-check statistics for the role; never node info, which makes Pgpool probe every
    backend, so a hung backend costs nothing), and nothing is sent when the node is already in
    the requested state (RV(outcome=already_applied), C(changed=false)).
  - Pgpool-II queues the request and applies it asynchronously; with O(wait) the module polls
    that state until the change shows (RV(outcome=applied)) and fails after O(wait) seconds.
  - Check mode is the library's dry run (the same reads, nothing sent)
    (RV(outcome=would_apply) or RV(outcome=already_applied)).
version_added: 0.1.0
author:
  - pcp developers (@pcp)
options:
  node_id:
    description:
      - The backend's node id. Exactly one of O(node_id) and O(host) is required.
    type: int
  host:
    description:
      - The backend's address C(HOST[:PORT]) (C([v6addr]:port) for IPv6), as in
        C(backend_hostnameN) and C(backend_portN). A name matches a backend configured by
        address and the other way round (both sides are resolved on the managed host).
      - Give the port when several backends share the host.
    type: str
  state:
    description:
      - V(attached) attaches (fails back) the node unless it is up (or waiting) already.
      - V(detached) detaches it unless it is down or quarantined already.
      - V(primary) makes it Pgpool's primary unless it is already the primary and up.
    type: str
    required: true
    choices: [attached, detached, primary]
  wait:
    description:
      - Seconds to wait until Pgpool shows the change. V(0) returns as soon as Pgpool
        accepted the request (RV(outcome=accepted)).
    type: float
    default: 30
  graceful:
    description:
      - O(state=detached) and O(state=primary) only; wait until clients disconnect
        (C(pcp_detach_node -g)). Bounded by O(long_timeout).
    type: bool
    default: false
  switchover:
    description:
      - O(state=primary) only; detach the current primary and run C(failover_command)
        (C(pcp_promote_node -s), Pgpool-II 4.3 and later).
    type: bool
    default: false
extends_documentation_fragment:
  - pgpool.pcp.connection
  - pgpool.pcp.connection.attributes
attributes:
  check_mode:
    support: full
    description:
      - Reads node info (and the backends, for O(host)) and reports whether a request would
        be sent; sends nothing.
  diff_mode:
    support: full
    description:
      - The node before and after (in check mode, the state it would be put in).
'''

EXAMPLES = r'''
- name: Take a standby out of load balancing (across a watchdog cluster)
  pgpool.pcp.pgpool_backend:
    pcp_host: [pgpool1.example.com, pgpool2.example.com]
    prefer_leader: true
    pcp_user: pcpadmin
    host: db2.example.com
    state: detached
    wait: 60

- name: Put it back
  pgpool.pcp.pgpool_backend:
    pcp_host: pgpool1.example.com
    host: db2.example.com:5432
    state: attached
    wait: 60

- name: Make node 1 Pgpool's primary after the database itself was promoted
  pgpool.pcp.pgpool_backend:
    pcp_host: pgpool1.example.com
    node_id: 1
    state: primary

- name: The same options for every module of the collection
  module_defaults:
    group/pgpool.pcp.pcp:
      pcp_host: pgpool1.example.com
      pcp_user: pcpadmin
      pcppass_file: /etc/pgpool-II/pcppass
  block:
    - name: Detach node 2 gracefully
      pgpool.pcp.pgpool_backend:
        node_id: 2
        state: detached
        graceful: true
'''

RETURN = r'''
action:
  description: The glue operation, V(attach), V(detach) or V(promote).
  returned: success
  type: str
  sample: detach
outcome:
  description:
    - V(already_applied) nothing was sent, the node was in that state;
      V(applied) sent, and Pgpool shows it; V(accepted) sent, not waited for
      (O(wait=0)); V(would_apply) check mode, a request would be sent.
  returned: success
  type: str
  sample: applied
node_id:
  description: The node acted on.
  returned: success
  type: int
  sample: 2
backend:
  description: The configured backend O(host) matched; null when O(node_id) was given.
  returned: success
  type: dict
  sample: {"node_id": 2, "hostname": "db2.example.com", "port": 5432}
before:
  description:
    - The node before, as Pgpool holds it in memory (the STATE object of C(pcpctl --json)
      actions); C(role) and C(is_primary) are null when the role was not read (attach, detach).
  returned: success
  type: dict
  sample: {"node_id": 2, "hostname": "db2.example.com", "port": 5432, "status": "up", "role": null, "is_primary": null}
after:
  description:
    - The node at the end, when the module looked (after O(wait), or when nothing had to be
      done); null otherwise, and in check mode when a request would be sent.
  returned: success
  type: dict
  sample: {"node_id": 2, "hostname": "db2.example.com", "port": 5432, "status": "down", "role": null, "is_primary": null}
elapsed:
  description: Seconds spent in the operation.
  returned: success
  type: float
  sample: 1.52
pcp_error:
  description:
    - What failed, when a C(pgpool_pcp) call raised; C(msg) is then the class and the text.
  returned: failure
  type: dict
  contains:
    error_class:
      description:
        - The exception class, e.g. V(AuthenticationError), V(ConnectError), V(ServerError),
          V(NodeNotFoundError), V(NotAppliedError), V(UnsupportedError).
      type: str
    kind:
      description: The client library's error kind (V(io), V(authentication), V(server), ...).
      type: str
    command:
      description: The PCP command that failed, when the error belongs to one.
      type: str
    severity:
      description: The server's severity (V(ERROR), V(FATAL)); null when the server sent no report.
      type: str
    message:
      description: The server's message; null when it sent none.
      type: str
    detail:
      description: The server's detail; null when it sent none.
      type: str
    hint:
      description: The server's hint; null when it sent none.
      type: str
    code:
      description: The server's error code; null when it sent none.
      type: str
    fatal:
      description: Whether the PCP session ended with the error.
      type: bool
    text:
      description: The whole message, as the exception states it.
      type: str
  sample:
    error_class: ServerError
    kind: server
    command: node info
    severity: ERROR
    message: informing node info failed
    detail: "invalid node ID : 9"
    hint: null
    code: XX000
    fatal: false
    text: "node info failed: ERROR: informing node info failed (DETAIL: invalid node ID : 9)"
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.pgpool.pcp.plugins.module_utils.pcp import (
    backend_facts,
    pcp_argument_spec,
    run_pcp,
    state_facts,
)

ACTIONS = {'attached': 'attach', 'detached': 'detach', 'primary': 'promote'}

# The node fields that the diff shows, and those that the requested state sets (check mode).
DIFF_KEYS = ('node_id', 'hostname', 'port', 'status', 'role', 'is_primary')
EXPECTED = {
    'attach': dict(status='up'),
    'detach': dict(status='down'),
    'promote': dict(status='up', role='primary', is_primary=True),
}


def diff_view(facts):
    return None if facts is None else dict((k, facts[k]) for k in DIFF_KEYS)


def run(module, client, action):
    """The glue operation; in check mode a dry run (the library reads the node's state as the
    operation would, and sends nothing)."""
    params = module.params
    target = params['host'] if params['host'] is not None else params['node_id']
    wait = params['wait'] or None
    dry_run = module.check_mode
    if action == 'attach':
        report = client.attach(target, wait=wait, dry_run=dry_run)
    elif action == 'detach':
        report = client.detach(target, graceful=params['graceful'], wait=wait, dry_run=dry_run)
    else:
        report = client.promote(target, graceful=params['graceful'],
                                switchover=params['switchover'], wait=wait, dry_run=dry_run)
    return dict(
        changed=report.changed,
        action=str(report.action),
        outcome=str(report.outcome),
        node_id=report.node_id,
        backend=backend_facts(report.backend),
        before=state_facts(report.before),
        after=None if report.after is None else state_facts(report.after),
        elapsed=report.elapsed,
    )


def main():
    module = AnsibleModule(
        argument_spec=pcp_argument_spec(
            node_id=dict(type='int'),
            host=dict(type='str'),
            state=dict(type='str', required=True, choices=list(ACTIONS)),
            wait=dict(type='float', default=30),
            graceful=dict(type='bool', default=False),
            switchover=dict(type='bool', default=False),
        ),
        mutually_exclusive=[('node_id', 'host')],
        required_one_of=[('node_id', 'host')],
        supports_check_mode=True,
    )
    action = ACTIONS[module.params['state']]
    if module.params['switchover'] and action != 'promote':
        module.fail_json(msg='switchover applies to state=primary only')
    if module.params['graceful'] and action == 'attach':
        module.fail_json(msg='graceful applies to state=detached and state=primary only')
    result = run_pcp(module, lambda client: run(module, client, action))
    if module._diff:
        before = diff_view(result['before'])
        if module.check_mode:
            after = dict(before)
            if result['changed']:
                after.update(EXPECTED[action])
        else:
            after = diff_view(result['after'])
            if after is None:
                after = dict(before, outcome='accepted, not waited for')
        result['diff'] = dict(before=before, after=after)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
