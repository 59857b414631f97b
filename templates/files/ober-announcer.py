#!/usr/bin/python3
# Managed by ober-push. The health announcer ExaBGP runs (process "announcer", encoder text).
#
# Every --interval seconds it decides whether this node should carry the VIPs:
#   withdrawn, reason "operator": while --withdrawn-file exists (a rolling restart takes the node out;
#                                  the file survives a reboot). Re-checked every loop and at once on SIGHUP.
#   withdrawn, reason "health":   --health-url did not answer 200 within --timeout (--fall times in a row).
#   announced:                    otherwise (--rise healthy answers in a row; the first answer decides at start).
# It prints "announce route <vip>/32 next-hop self" / "withdraw route <vip>/32 next-hop self" for every
# VIP on each change and at start (ExaBGP restarts this process with itself, so routes come back).
# SIGTERM/SIGINT: withdraw everything, record state "stopping", exit 0.
# The current state is one JSON line in --state-file:
#   {"state":"announced"|"withdrawn","reason":"health"|"operator"|"stopping"|null,"vips":[...],"since":<epoch>}
# Dependency-free (python3 standard library only). Transient errors never end the loop.
import argparse
import json
import os
import select
import signal
import sys
import threading
import time
import urllib.error
import urllib.request


def parse_args(argv):
    p = argparse.ArgumentParser(description='ExaBGP health announcer for ober-push')
    p.add_argument('--vip', action='append', required=True, help='a VIP to announce as /32 (repeatable)')
    p.add_argument('--health-url', required=True)
    p.add_argument('--withdrawn-file', default='/var/lib/ober-push/withdrawn')
    p.add_argument('--state-file', default='/run/ober-push/announcer.json')
    p.add_argument('--interval', type=float, default=0.5)
    p.add_argument('--timeout', type=float, default=1.0)
    p.add_argument('--rise', type=int, default=2)
    p.add_argument('--fall', type=int, default=2)
    return p.parse_args(argv)


class Announcer:
    def __init__(self, args):
        self.args = args
        self.vips = list(args.vip)
        self.announced = None  # None: nothing said yet; True/False: what ExaBGP was told last
        self.healthy = None
        self.streak = 0
        self.reason = 'unset'
        self.stopping = False
        # Self-pipe: signal handlers and the stdin watcher only write a byte (no locks in handlers).
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(self.wake_w, False)

    def emit(self, verb):
        for vip in self.vips:
            sys.stdout.write('%s route %s/32 next-hop self\n' % (verb, vip))
        sys.stdout.flush()

    def write_state(self, state, reason):
        record = {'state': state, 'reason': reason, 'vips': self.vips, 'since': int(time.time())}
        path = self.args.state_file
        try:
            os.makedirs(os.path.dirname(path) or '.', exist_ok=True)
            tmp = '%s.%d.tmp' % (path, os.getpid())
            with open(tmp, 'w') as f:
                f.write(json.dumps(record, separators=(',', ':')) + '\n')
            os.replace(tmp, path)
        except OSError as e:
            sys.stderr.write('ober-announcer: cannot write %s: %s\n' % (path, e))

    def probe(self):
        try:
            with urllib.request.urlopen(self.args.health_url, timeout=self.args.timeout) as r:
                return r.status == 200
        except (urllib.error.URLError, OSError, ValueError):
            return False
        except Exception:  # noqa: BLE001 - any failure to get a 200 means unhealthy
            return False

    def update_health(self, ok):
        # Hysteresis: after the first answer, change only after rise/fall answers in a row.
        if self.healthy is None:
            self.healthy = ok
            self.streak = 0
            return
        if ok == self.healthy:
            self.streak = 0
            return
        self.streak += 1
        if self.streak >= (self.args.rise if ok else self.args.fall):
            self.healthy = ok
            self.streak = 0

    def step(self):
        if os.path.exists(self.args.withdrawn_file):
            want, reason = False, 'operator'
        else:
            self.update_health(self.probe())
            want, reason = bool(self.healthy), (None if self.healthy else 'health')
        if want != self.announced or reason != self.reason:
            if want != self.announced:
                self.emit('announce' if want else 'withdraw')
            self.announced = want
            self.reason = reason
            self.write_state('announced' if want else 'withdrawn', reason)

    def wake(self):
        try:
            os.write(self.wake_w, b'.')
        except OSError:
            pass  # pipe full: a wake-up is already pending

    def stop(self):
        self.stopping = True
        self.wake()

    def sleep(self):
        try:
            ready, _, _ = select.select([self.wake_r], [], [], self.args.interval)
            if ready:
                os.read(self.wake_r, 512)
        except InterruptedError:
            pass

    def run(self):
        while not self.stopping:
            try:
                self.step()
            except BrokenPipeError:
                return 0  # ExaBGP is gone; nobody to tell
            except Exception as e:  # noqa: BLE001 - never die on a transient error
                sys.stderr.write('ober-announcer: %s\n' % e)
            if not self.stopping:
                self.sleep()
        try:
            self.emit('withdraw')
        except (BrokenPipeError, OSError):
            pass
        self.write_state('withdrawn', 'stopping')
        return 0


def watch_stdin(announcer):
    # ExaBGP holds our stdin open; EOF means it went away.
    try:
        while sys.stdin.readline():
            pass
    except (OSError, ValueError):
        pass
    announcer.stop()


def main(argv):
    announcer = Announcer(parse_args(argv))
    signal.signal(signal.SIGTERM, lambda *_: announcer.stop())
    signal.signal(signal.SIGINT, lambda *_: announcer.stop())
    signal.signal(signal.SIGHUP, lambda *_: announcer.wake())
    threading.Thread(target=watch_stdin, args=(announcer,), daemon=True).start()
    return announcer.run()


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
