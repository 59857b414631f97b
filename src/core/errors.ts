// Typed errors that carry data. Only src/cli formats them and picks exit codes.

export interface SourceLocation {
  file: string;
  line: number; // 1-based
  column: number; // 1-based
}

/** One problem in an input file: where, which key path, and what is wrong. */
export interface ConfigIssue {
  location: SourceLocation | null;
  path: string; // dotted key path, e.g. "hosts.lb01.port"; "" for the document root
  message: string; // "expected an integer 1-65535, got \"ssh\""
}

/** Invalid inventory, playbook, extra vars or command line. Exit code 2; nothing was contacted. */
export class ConfigError extends Error {
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
    this.issues = issues;
  }
  static single(location: SourceLocation | null, path: string, message: string): ConfigError {
    return new ConfigError([{ location, path, message }]);
  }
}

export function formatLocation(loc: SourceLocation): string {
  return `${loc.file}:${loc.line}:${loc.column}`;
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.location ? `${formatLocation(issue.location)} ` : '';
  const path = issue.path ? `${issue.path}: ` : '';
  return `${where}${path}${issue.message}`;
}

/** Command-line usage error (unknown flag, bad pattern). Exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A host could not be reached or authenticated. */
export class ConnectError extends Error {
  readonly host: string;
  constructor(host: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConnectError';
    this.host = host;
  }
}

/** The server's host key is unknown or has changed. */
export class HostKeyError extends ConnectError {
  readonly expected: string[];
  readonly presented: string;
  constructor(host: string, message: string, expected: string[], presented: string) {
    super(host, message);
    this.name = 'HostKeyError';
    this.expected = expected;
    this.presented = presented;
  }
}

/** A remote command exited non-zero where success was required. */
export class CommandError extends Error {
  readonly host: string;
  /** What ran, for messages: "command", "write /etc/x.conf", "probe /etc/x.conf". */
  readonly what: string;
  /** The command's text, when it is the operator's command (probes and writes are ours). */
  readonly command: string | undefined;
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  constructor(args: {
    host: string;
    what: string;
    command?: string;
    exitCode: number;
    stdout: string;
    stderr: string;
    message?: string;
  }) {
    super(args.message ?? `${args.what} exited ${args.exitCode}: ${tail(args.stderr || args.stdout, 5)}`);
    this.name = 'CommandError';
    this.host = args.host;
    this.what = args.what;
    this.command = args.command;
    this.exitCode = args.exitCode;
    this.stdout = args.stdout;
    this.stderr = args.stderr;
  }
}

/** A task failed for a reason other than a command's exit code (a module's own check, a timeout). */
export class TaskError extends Error {
  readonly detail: string | undefined;
  constructor(message: string, detail?: string) {
    super(message);
    this.name = 'TaskError';
    this.detail = detail;
  }
}

/** The last `n` non-empty lines of a command's output. */
export function tail(text: string, n: number): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return lines.slice(-n).join('\n');
}
