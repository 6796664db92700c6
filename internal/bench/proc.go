package main

// This file reads CPU time and memory from /proc.

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/kcgi-go/kcgi-go/internal/harness"
)

// userHZ is the unit of the times in /proc/PID/stat.
const userHZ = 100

// groupCPU returns the CPU time spent by the live processes of process
// group pgrp and by the children they reaped. kfcgi puts its workers
// and their sandboxed children in its group, so this is the cost of the
// whole tree, including workers that exited. A process counts with
// utime+stime (fields 14 and 15 of /proc/PID/stat, in 10 ms ticks), or
// the run time of its threads in nanoseconds when schedstat is there,
// plus its reaped children's cutime+cstime (fields 16 and 17). Zombies
// count too: their time is not yet in their parent's cutime.
func groupCPU(pgrp int) time.Duration {
	ents, _ := os.ReadDir("/proc")
	var t time.Duration
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		f, err := statFields(pid)
		if err != nil || len(f) < 15 || f[2] != strconv.Itoa(pgrp) {
			continue
		}
		tick := func(n int) time.Duration {
			v, _ := strconv.ParseInt(f[n-3], 10, 64)
			return time.Duration(v) * time.Second / userHZ
		}
		self := tick(14) + tick(15)
		if ns, ok := schedRun(pid); ok {
			self = ns
		}
		t += self + tick(16) + tick(17)
	}
	return t
}

// schedRun returns the time the threads of pid have run on a CPU, in
// nanoseconds: the sum of /proc/PID/task/*/schedstat. Threads that
// exited are missed; the Go runtime keeps its threads.
func schedRun(pid int) (time.Duration, bool) {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil || len(tasks) == 0 {
		return 0, false
	}
	var t time.Duration
	for _, task := range tasks {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/schedstat", pid, task.Name()))
		if err != nil {
			return 0, false
		}
		f := strings.Fields(string(b))
		if len(f) == 0 {
			return 0, false
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, false
		}
		t += time.Duration(n)
	}
	return t, true
}

// statFields returns the fields of /proc/PID/stat after the command
// name: the state, field 3, is f[0], and field n is f[n-3].
func statFields(pid int) ([]string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil, err
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return nil, fmt.Errorf("/proc/%d/stat: malformed", pid)
	}
	return strings.Fields(string(b[i+1:])), nil
}

// treePSS returns the proportional set size, in KiB, of pid and its
// children (a worker and libkcgi's sandboxed children), from
// /proc/PID/smaps_rollup: pages shared between them count once in all.
func treePSS(pid int) int64 {
	var kb int64
	for _, p := range append([]int{pid}, harness.Children(pid)...) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", p))
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(b), "\n") {
			if f := strings.Fields(l); len(f) >= 2 && f[0] == "Pss:" {
				v, _ := strconv.ParseInt(f[1], 10, 64)
				kb += v
			}
		}
	}
	return kb
}
