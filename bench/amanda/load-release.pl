#!/usr/bin/perl
# Amanda's side of the side-by-side benchmark (issue 7): N load(slot) + release loops through the Amanda::Changer
# API in one process, as a backup job's taper would call it, each timed with Time::HiRes. With --procs P, P
# processes at once, each on its own slot (chg-disk gives each its own drive), contending for the changer's state
# file lock. Prints one JSON object: per-operation percentiles (ms), ops/s, errors.
#
#   runuser -u backup -- perl bench/amanda/load-release.pl --config drivebus-bench --iterations 2000 [--procs 4]
#       [--warmup 200] [--slot 1]
#
# Why the Perl API and not amtape: amtape costs ~0.11 s per call, almost all Perl start-up; the changer itself is
# what drivebus replaces, so that is what is timed. Needs bench/amanda/setup.sh's configuration.
use strict;
use warnings;
use lib '/usr/lib/x86_64-linux-gnu/amanda/perl';
use Getopt::Long;
use JSON::PP;
use POSIX qw(_exit);
use File::Temp qw(tempdir);
use Time::HiRes qw(time);
use Amanda::Util qw(:constants);
use Amanda::Config qw(:init :getconf config_dir_relative);
use Amanda::Changer;
use Amanda::Storage;
use Amanda::Tapelist;
use Amanda::MainLoop;
use Amanda::Constants;

my $config = 'drivebus-bench';
my $iterations = 2000;
my $warmup = 200;
my $procs = 1;
my $first_slot = 1;
GetOptions('config=s' => \$config, 'iterations=i' => \$iterations, 'warmup=i' => \$warmup, 'procs=i' => \$procs,
    'slot=i' => \$first_slot) or die "usage: $0 --config NAME --iterations N [--warmup N] [--procs P] [--slot S]\n";

Amanda::Util::setup_application("drivebus-bench", "server", $CONTEXT_CMDLINE, "amanda", "amanda");
config_init_with_global($CONFIG_INIT_EXPLICIT_NAME, $config);
my ($cfgerr_level, @cfgerr_errors) = config_errors();
die "errors in Amanda config $config: @cfgerr_errors\n" if $cfgerr_level >= $CFGERR_ERRORS;
Amanda::Util::finish_setup($RUNNING_AS_DUMPUSER);

# one loop: warm-up, then timed load+release cycles on one slot; writes "load_us cycle_us" lines to $out
sub run_loop {
    my ($slot, $out) = @_;
    my ($tl, $msg) = Amanda::Tapelist->new(config_dir_relative(getconf($CNF_TAPELIST)));
    my $storage = Amanda::Storage->new(tapelist => $tl);
    die "no changer: $storage\n" if $storage->isa("Amanda::Changer::Error");
    my $chg = $storage->{'chg'};
    die "no changer: $chg\n" if $chg->isa("Amanda::Changer::Error");
    open(my $fh, '>', $out) or die "$out: $!";
    my $errors = 0;
    my $i = 0;
    my $start;
    my $next;
    $next = sub {
        if ($i >= $warmup + $iterations) {
            printf $fh "end %.6f %.6f %d\n", $start, time(), $errors;
            close($fh);
            $storage->quit();
            return Amanda::MainLoop::quit();
        }
        $start = time() if $i == $warmup;
        my $t0 = time();
        $chg->load(slot => $slot, res_cb => sub {
            my ($err, $res) = @_;
            my $t1 = time();
            if ($err) {
                # e.g. volinuse while another process' release is not yet in the state file: counted, and on
                $errors++ if $i >= $warmup;
                $i++;
                return Amanda::MainLoop::call_later($next);
            }
            $res->release(finished_cb => sub {
                my ($rerr) = @_;
                my $t2 = time();
                if ($i >= $warmup) {
                    $errors++ if $rerr;
                    printf $fh "%d %d\n", ($t1 - $t0) * 1e6, ($t2 - $t0) * 1e6;
                }
                $i++;
                Amanda::MainLoop::call_later($next);
            });
        });
    };
    Amanda::MainLoop::call_later($next);
    Amanda::MainLoop::run();
}

my $dir = tempdir(CLEANUP => 1);
my @pids;
for my $p (0 .. $procs - 1) {
    my $out = "$dir/proc$p";
    if ($procs == 1) {
        run_loop($first_slot, $out);
        last;
    }
    my $pid = fork();
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        eval { run_loop($first_slot + $p, $out); };
        print STDERR "process $p: $@" if $@;
        _exit($@ ? 1 : 0);
    }
    push @pids, $pid;
}
my $failed = 0;
for my $pid (@pids) {
    waitpid($pid, 0);
    $failed++ if $? != 0;
}

my (@load, @cycle);
my ($from, $to, $errors) = (undef, undef, 0);
for my $p (0 .. $procs - 1) {
    open(my $fh, '<', "$dir/proc$p") or next;
    while (<$fh>) {
        if (/^end (\S+) (\S+) (\d+)/) {
            $from = $1 if !defined $from || $1 < $from;
            $to = $2 if !defined $to || $2 > $to;
            $errors += $3;
        } elsif (/^(\d+) (\d+)/) {
            push @load, $1;
            push @cycle, $2;
        }
    }
}

sub summary {
    my @v = sort { $a <=> $b } @_;
    return { count => 0 } unless @v;
    my $at = sub { $v[ int($_[0] * $#v + 0.5) ] / 1000.0 };
    my $sum = 0;
    $sum += $_ for @v;
    return { count => scalar(@v), p50_ms => $at->(0.50), p90_ms => $at->(0.90), p99_ms => $at->(0.99),
        p999_ms => $at->(0.999), max_ms => $v[-1] / 1000.0, mean_ms => int($sum / @v) / 1000.0 };
}

my $wall = defined $from ? $to - $from : 0;
print JSON::PP->new->canonical->encode({
    amanda_version => $Amanda::Constants::VERSION,
    changer => getconf($CNF_TPCHANGER),
    config => $config,
    processes => $procs,
    failed_processes => $failed,
    iterations_per_process => $iterations,
    warmup_per_process => $warmup,
    errors => $errors,
    wall_s => $wall,
    load_release_per_s => $wall > 0 ? @cycle / $wall : undef,
    cycle_latency => summary(@cycle),
    load_latency => summary(@load),
}), "\n";
