# -*- coding: utf-8 -*-
# Copyright (c) pcp developers
# MIT or Apache-2.0 (see the licence files at the root of the repository)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    """The PCP connection options every module of pgpool.pcp takes (module_utils/pcp.py), and
    the requirements and attributes they share."""

    DOCUMENTATION = r'''
options:
  pcp_host:
    description:
      - The Pgpool-II instance(s) to talk to, each C(host), C(host:port), C([v6addr]:port),
        a Unix socket directory C(/dir) or C(/dir:port).
      - Several entries are tried in order (see O(prefer_leader)).
      - When omitted, the Unix socket C(/tmp/.s.PGSQL.<pcp_port>) on the managed host.
    type: list
    elements: str
  pcp_port:
    description:
      - PCP port for the O(pcp_host) entries given without one.
    type: int
    default: 9898
  pcp_user:
    description:
      - PCP user name (C(pcp.conf)).
      - When omitted, the OS user the module runs as on the managed host.
    type: str
  pcp_password:
    description:
      - PCP password.
      - When omitted, the matching C(.pcppass) entry (O(pcppass_file), else C($PCPPASSFILE),
        else C(~/.pcppass) on the managed host; the file must have mode 0600 or stricter).
    type: str
  pcppass_file:
    description:
      - A C(.pcppass)-format file (C(host:port:user:password)) on the managed host.
    type: path
  prefer_leader:
    description:
      - With several O(pcp_host) entries, talk to the one that is the watchdog leader.
    type: bool
    default: false
  connect_timeout:
    description:
      - Seconds allowed for connecting to each address and logging in.
    type: float
    default: 10.0
  timeout:
    description:
      - Seconds allowed for each PCP request. V(0) means no limit.
    type: float
    default: 30.0
  long_timeout:
    description:
      - Seconds allowed for the long requests (online recovery, graceful detach or promote).
      - When omitted, no limit.
    type: float
requirements:
  - The Python package C(pgpool-pcp) (module C(pgpool_pcp)) on the managed host.
notes:
  - The module runs on the managed host and talks PCP from there; with O(pcp_host) naming
    remote Pgpool instances, any host that reaches their PCP port will do (often
    C(delegate_to) the Pgpool host itself or C(localhost)).
  - Each run opens one PCP session and closes it before it returns.
  - Not supported on Windows hosts. Pgpool-II 4.0 and later speak the protocol this
    package implements; some commands need a newer release (named in each option).
  - Errors fail the task with a C(pcp_error) result describing them (the C(pgpool_pcp)
    exception class, the server's message and detail).
'''

    ATTRIBUTES = r'''
attributes:
  action_group:
    description: Use C(group/pgpool.pcp.pcp) in C(module_defaults) to set the connection
      options once for every module of this collection.
    support: full
    membership:
      - pgpool.pcp.pcp
  platform:
    description: Runs on the managed host, which must reach the Pgpool instances' PCP port.
    support: full
    platforms: posix
'''
