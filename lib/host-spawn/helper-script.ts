/**
 * The spawn helper: a Perl program (perl-base is Essential on Debian and Ubuntu) that forks and
 * execs host commands for this process, so this process (a Node process of a hundred megabytes)
 * never forks itself. It reads one request per line on stdin and writes events on stdout:
 *
 *   request: ID OUT ERR IN CWD ENV PROGRAM ARG0 ARG1 …   each field but ID `x` and its hex
 *            (`x` alone for an empty value), or `-` for none
 *            PROGRAM: what is exec'd (a path, or a name looked for on PATH; when a path fails,
 *            ARG0 is looked for on PATH); ARG0…: its argv
 *            OUT, ERR: FIFOs the command's stdout and stderr are opened on (the caller reads them)
 *            IN: a file its stdin is read from (default /dev/null); CWD: its working directory
 *            ENV: its whole environment as NUL-separated NAME=VALUE (default: the helper's)
 *   events:  p ID PID          the command was forked as PID
 *            e ID ERRNO TEXT   it could not be started (its stdio, cwd or exec failed); x follows
 *            f ID ERRNO TEXT   it could not be forked; nothing follows
 *            x ID STATUS       it ended with wait(2) STATUS
 *
 * The command is the helper's child, reaped on SIGCHLD and at least every 20 ms while any runs
 * (SIGCHLD is blocked around fork, so no exit is seen before its pid is recorded); it starts with default signal dispositions and an empty signal
 * mask, as Node's spawn gives, unlinks its FIFOs and input file once it has them open, and is
 * exec'd directly (no shell). The helper ends when its stdin closes; commands still running then
 * run on, as children of a process that died do.
 */
export const HELPER_SCRIPT = String.raw`
use strict;
use warnings;
use POSIX ();
$| = 1;
my %request_of;
my $chld = POSIX::SigSet->new(POSIX::SIGCHLD());
# Never re-entered: a SIGCHLD handled between a waitpid and the read of its $? would run a
# waitpid that sets $? to -1, and the command would be reported killed. A handler that finds a
# reap under way only asks it to go round once more.
my ($reaping, $missed) = (0, 0);
sub reap {
  if ($reaping) { $missed = 1; return; }
  $reaping = 1;
  do {
    $missed = 0;
    while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) {
      my $status = $?;
      my $id = delete $request_of{$pid};
      print "x $id $status\n" if defined $id;
    }
  } while ($missed);
  $reaping = 0;
}
$SIG{CHLD} = \&reap;
sub field { my ($f) = @_; return $f eq '-' ? undef : pack('H*', substr($f, 1)); }
# Onto fd $to, or fail: at the fd level, so no PerlIO buffer state follows the command.
sub onto { my ($path, $flags, $to) = @_; my $fd = POSIX::open($path, $flags, 0600); return 0 unless defined $fd;
  return 1 if $fd == $to; my $ok = defined POSIX::dup2($fd, $to); POSIX::close($fd); return $ok; }
sub start {
  my ($line) = @_;
  my ($id, @fields) = split / /, $line;
  return unless defined $id && @fields >= 7;
  my ($out, $err, $in, $cwd, $env, $program, @argv) = map { field($_) } @fields;
  POSIX::sigprocmask(POSIX::SIG_BLOCK(), $chld);
  my $pid = fork();
  if (defined $pid && $pid == 0) {
    $SIG{CHLD} = 'DEFAULT';
    POSIX::sigprocmask(POSIX::SIG_SETMASK(), POSIX::SigSet->new());
    open(my $ctl, '>&', \*STDOUT) or POSIX::_exit(127);
    my $fail = sub { syswrite $ctl, "e $id " . ($! + 0) . " $!\n"; POSIX::_exit(127); };
    onto(defined $in ? $in : '/dev/null', POSIX::O_RDONLY(), 0) or $fail->();
    onto($out, POSIX::O_WRONLY(), 1) or $fail->();
    onto($err, POSIX::O_WRONLY(), 2) or $fail->();
    unlink grep { defined } $out, $err, $in;
    if (defined $cwd) { chdir $cwd or $fail->(); }
    if (defined $env) { %ENV = map { split /=/, $_, 2 } grep { length } split /\0/, $env; }
    { no warnings 'exec'; exec { $program } @argv; exec { $argv[0] } @argv if $program ne $argv[0]; }
    $fail->();
  }
  if (defined $pid) { $request_of{$pid} = $id; print "p $id $pid\n"; }
  else { print "f $id " . ($! + 0) . " $!\n"; }
  POSIX::sigprocmask(POSIX::SIG_UNBLOCK(), $chld);
}
# Requests are read with sysread, never through a PerlIO buffer a forked command would inherit.
# Perl runs a signal handler between statements, so a SIGCHLD that lands just before a blocking
# call waits for that call to return: while commands run, the wait is bounded and they are
# reaped after it too.
my $buf = '';
my $stdin = '';
vec($stdin, fileno(STDIN), 1) = 1;
while (1) {
  my $ready = select(my $readable = $stdin, undef, undef, %request_of ? 0.02 : undef);
  reap();
  next if $ready <= 0;
  my $n = sysread(STDIN, $buf, 65536, length $buf);
  if (!defined $n) { next if $! == POSIX::EINTR(); last; }
  last if $n == 0;
  while ((my $nl = index($buf, "\n")) >= 0) { start(substr($buf, 0, $nl + 1, '') =~ s/\n\z//r); }
}
`;
