// Facts in one round trip: a read-only probe script whose key=value output a pure parser turns into HostFacts.
import type { HostFacts, OsFamily, PackageManager } from '../core/facts.js';

export const FACTS_SCRIPT = [
  '[ -r /etc/os-release ] && . /etc/os-release',
  'echo "id=${ID:-}"; echo "id_like=${ID_LIKE:-}"; echo "version_id=${VERSION_ID:-}"; echo "pretty=${PRETTY_NAME:-}"',
  'echo "hostname=$(hostname 2>/dev/null || cat /proc/sys/kernel/hostname)"',
  'echo "kernel=$(uname -r)"; echo "arch=$(uname -m)"',
  'echo "cpus=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN)"',
  `echo "mem_kb=$(awk '/^MemTotal:/{print $2}' /proc/meminfo)"`,
  `echo "default_if=$(ip -4 route show default 2>/dev/null | awk '{for(i=1;i<=NF;i++) if($i=="dev"){print $(i+1); exit}}')"`,
  `ip -4 -o addr show scope global 2>/dev/null | awk '{print "addr=" $2 " " $4}'`,
  'echo "init=$(cat /proc/1/comm 2>/dev/null)"',
  'for pm in apt-get dnf yum; do if command -v $pm >/dev/null 2>&1; then echo "pm=$pm"; break; fi; done',
  'echo "boot_id=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null)"',
].join('\n');

/** Parse FACTS_SCRIPT output. Pure; unit-tested with captured outputs. */
export function parseFacts(output: string): HostFacts {
  const single = new Map<string, string>();
  const addrs: Array<{ dev: string; cidr: string }> = [];
  for (const line of output.split('\n')) {
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1).trim();
    if (key === 'addr') {
      const [dev, cidr] = value.split(' ');
      if (dev && cidr) addrs.push({ dev, cidr });
    } else if (!single.has(key)) single.set(key, value);
  }
  const get = (k: string): string => single.get(k) ?? '';
  const id = get('id');
  const defaultName = get('default_if') || addrs[0]?.dev || '';
  const ifAddrs = addrs.filter((a) => a.dev === defaultName).map((a) => a.cidr);
  return {
    hostname: get('hostname'),
    os: { id, versionId: get('version_id'), family: osFamily(id, get('id_like')), prettyName: get('pretty') },
    kernel: get('kernel'),
    arch: get('arch'),
    cpus: Number.parseInt(get('cpus'), 10) || 1,
    memoryMb: Math.round((Number.parseInt(get('mem_kb'), 10) || 0) / 1024),
    defaultInterface: defaultName ? { name: defaultName, addresses: ifAddrs } : null,
    init: get('init') === 'systemd' ? 'systemd' : 'other',
    packageManager: packageManager(get('pm')),
    bootId: get('boot_id'),
  };
}

function osFamily(id: string, idLike: string): OsFamily {
  const words = `${id} ${idLike}`.split(/\s+/);
  if (words.some((w) => w === 'debian' || w === 'ubuntu')) return 'debian';
  if (words.some((w) => ['rhel', 'fedora', 'centos', 'rocky', 'almalinux'].includes(w))) return 'redhat';
  return 'unknown';
}

function packageManager(found: string): PackageManager {
  if (found === 'apt-get') return 'apt';
  if (found === 'dnf' || found === 'yum') return found;
  return 'unknown';
}
