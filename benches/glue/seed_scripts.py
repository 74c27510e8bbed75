#!/usr/bin/env python3
"""Pulls the integration scripts of the seed document's appendix B out of its text, at
benchmark run time, into a directory outside the repository (the scripts are not ours and are
never committed).

The text is a print of a PDF, so the code blocks carry print artifacts that this undoes:

* Page breaks: a code block ends, "(continues on next page)" / "(continued from previous
  page)" follow, and a new block starts. The pieces are joined. Where the new page repeats the
  last lines of the previous one (its first line equals one of the previous page's last four
  lines, indentation included), the previous page's copy of them is dropped: the text after the
  break is the one that goes on.
* Long lines are wrapped: the continuation starts with a marker (U+21AA, U+2192 or U+21B3).
  Joining depends on what was at the break:
    - marker indented: the break was at a blank; one blank joins the pieces;
    - previous piece ends with "_": a real underscore if it continues a variable the script
      assigns (``$PCP_`` + ``PORT``); otherwise it stands for the blank of the break, and when
      the continuation starts with a lone letter (``p $PCP_PORT``), for an option's blank and
      dash;
    - previous piece ends with "-": split inside an option, joined as is;
    - continuation starts with "-": a new option, after a blank;
    - anything else: split inside a word, joined as is (in this text only comments and echo
      messages break that way).
* Placeholders and paths are replaced by the sandbox's (see ``SUBSTITUTIONS``); each must be
  found, or the extraction fails.

usage: seed_scripts.py SEED_TEXT OUT_DIR key=value...
  keys: tools pcppass user host port log_dir
Writes OUT_DIR/<script> (mode 755) for each script and checks it with ``bash -n`` (``sh -n``
for a #!/bin/sh script). Exits non-zero with a message naming what failed.
"""

import os
import re
import subprocess
import sys

SCRIPTS = ["load_balancer_detach.sh", "load_balancer_attach.sh", "follow_master.sh", "pgpool_backend.sh"]
MARKERS = "\u21aa\u2192\u21b3"
HEADING = re.compile(r"^5\.2\.\d+ (\S+\.sh)$")
PAGE_NOTES = {"(continues on next page)", "(continued from previous page)"}


class ExtractError(Exception):
    pass


def blocks_of(lines, name):
    """The fenced code blocks under the heading of `name`, up to the next heading."""
    start = None
    for i, line in enumerate(lines):
        m = HEADING.match(line)
        if m and m.group(1) == name:
            start = i + 1
            break
    if start is None:
        raise ExtractError(f"no heading for {name} in appendix B")
    blocks, current = [], None
    for line in lines[start:]:
        if current is None:
            if HEADING.match(line) or line.startswith("CHAPTER"):
                break
            if line.strip() == "```":
                current = []
            elif line.strip() and line.strip() not in PAGE_NOTES:
                # prose after the script: the script has ended
                if blocks:
                    break
        else:
            if line.strip() == "```":
                blocks.append(current)
                current = None
            else:
                current.append(line)
    if current is not None:
        raise ExtractError(f"{name}: unterminated code block")
    if not blocks:
        raise ExtractError(f"{name}: no code block")
    return blocks


def join_pages(blocks):
    out = list(blocks[0])
    for block in blocks[1:]:
        while out and not out[-1].strip():
            out.pop()
        body = list(block)
        while body and not body[0].strip():
            body.pop(0)
        if body:
            tail = out[-4:]
            if body[0] in tail:
                # the new page repeats the previous one's last lines from here on
                cut = len(out) - len(tail) + tail.index(body[0])
                del out[cut:]
        out.extend(body)
    return out


def assigned_names(lines):
    names = set()
    for line in lines:
        m = re.match(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=", line)
        if m:
            names.add(m.group(1))
    return names


def join_continuations(lines):
    names = assigned_names(lines)
    out = []
    for line in lines:
        stripped = line.lstrip()
        if not (stripped and stripped[0] in MARKERS):
            out.append(line)
            continue
        if not out:
            raise ExtractError("continuation marker on the first line")
        indented = stripped is not line
        cont = stripped[1:]
        prev = out.pop()
        if indented:
            joined = prev.rstrip() + " " + cont
        elif prev.endswith("_"):
            m = re.search(r"\$?\{?([A-Za-z_][A-Za-z0-9_]*)$", prev)
            head = re.match(r"[A-Za-z0-9_]*", cont).group(0)
            if m and m.group(1) + head in names:
                joined = prev + cont
            elif re.match(r"[A-Za-z](\s|$)", cont):
                joined = prev[:-1] + " -" + cont
            else:
                joined = prev[:-1] + " " + cont
        elif prev.endswith("-"):
            joined = prev + cont
        elif cont.startswith("-"):
            joined = prev + " " + cont
        else:
            joined = prev + cont
        out.append(joined)
    return out


# (script, or None for each script that assigns VARIABLE; VARIABLE; pattern whose group 1 is
# kept; new value). Every substitution that applies must match.
SUBSTITUTIONS = [
    (None, "PCP_USER", r"^(\s*PCP_USER=)USER_PLACEHOLDER", "{user}"),
    (None, "PCP_PORT", r"^(\s*PCP_PORT=)PORT_PLACEHOLDER", "{port}"),
    (None, "PCP_HOST", r"^(\s*PCP_HOST=)HOST_PLACEHOLDER", "{host}"),
    (None, "PGPOOL_PATH", r"^(\s*PGPOOL_PATH=)\S+", "{tools}"),
    (None, "PCPPASSFILE", r"^(\s*export PCPPASSFILE=)\S+", "{pcppass}"),
    ("load_balancer_detach.sh", "output_file", r"^(output_file=)/tmp/scripts/\S+", "{log_dir}/seed-pp_log"),
    ("load_balancer_attach.sh", "output_file", r"^(output_file=)/tmp/scripts/\S+", "{log_dir}/seed-pp_log"),
    ("load_balancer_detach.sh", "pool_backend", r"^(pool_backend=)\S+", "{out_dir}/pgpool_backend.sh"),
    ("load_balancer_attach.sh", "pool_backend", r"^(pool_backend=)\S+", "{out_dir}/pgpool_backend.sh"),
]


def substitute(name, lines, values):
    text = "\n".join(lines) + "\n"
    for script, variable, pattern, template in SUBSTITUTIONS:
        if script not in (None, name):
            continue
        if script is None and not re.search(rf"^\s*(?:export\s+)?{variable}=", text, re.M):
            continue  # this script does not have that setting
        value = template.format(**values)
        text, n = re.subn(pattern, lambda m, v=value: m.group(1) + v, text, flags=re.M)
        if n == 0:
            raise ExtractError(f"{name}: {variable}: {pattern!r} not found")
    for placeholder in ("_PLACEHOLDER", "/tmp/scripts/", "/usr/edb/"):
        if placeholder in text:
            raise ExtractError(f"{name}: {placeholder!r} left after the substitutions")
    if any(c in text for c in MARKERS):
        raise ExtractError(f"{name}: a continuation marker is left")
    return text


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    seed, out_dir = argv[1], argv[2]
    values = dict(kv.split("=", 1) for kv in argv[3:])
    for key in ("tools", "pcppass", "user", "host", "port", "log_dir"):
        if key not in values:
            print(f"seed_scripts: {key}= missing", file=sys.stderr)
            return 2
    values["out_dir"] = out_dir
    values["tools"] = values["tools"].rstrip("/") + "/"
    try:
        with open(seed, encoding="utf-8") as f:
            lines = f.read().splitlines()
        os.makedirs(out_dir, exist_ok=True)
        for name in SCRIPTS:
            code = join_continuations(join_pages(blocks_of(lines, name)))
            text = substitute(name, code, values)
            path = os.path.join(out_dir, name)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            os.chmod(path, 0o755)
            shell = "sh" if text.startswith("#!/bin/sh") else "bash"
            check = subprocess.run([shell, "-n", path], capture_output=True, text=True)
            if check.returncode != 0:
                raise ExtractError(f"{name}: {shell} -n: {check.stderr.strip()}")
    except (OSError, ExtractError) as e:
        print(f"seed_scripts: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
