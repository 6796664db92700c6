package harness

// This file reads process information from /proc.

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ticks is the kernel's USER_HZ, the unit of utime and stime in
// /proc/PID/stat; it is 100 on every Linux architecture Go supports.
const ticks = 100

// procStat holds the fields of /proc/PID/stat that the harness uses.
type procStat struct {
	state        byte
	ppid, pgrp   int
	utime, stime uint64
	start        uint64
}

func readStat(pid int) (procStat, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procStat{}, err
	}
	// The command name may contain spaces and parentheses:
	// the fields proper start after the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: malformed", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: short", pid)
	}
	// f[0] is field 3 (state); field n is f[n-3].
	num := func(n int) uint64 { v, _ := strconv.ParseUint(f[n-3], 10, 64); return v }
	return procStat{
		state: f[0][0],
		ppid:  int(num(4)),
		pgrp:  int(num(5)),
		utime: num(14),
		stime: num(15),
		start: num(22),
	}, nil
}

// Alive reports whether pid exists and is not a zombie.
func Alive(pid int) bool {
	st, err := readStat(pid)
	return err == nil && st.state != 'Z' && st.state != 'X'
}

// Children returns the live children of ppid, in ascending order.
func Children(ppid int) []int {
	return scan(func(st procStat) bool { return st.ppid == ppid })
}

// Group returns the live members of process group pgrp, in ascending
// order.
func Group(pgrp int) []int {
	return scan(func(st procStat) bool { return st.pgrp == pgrp })
}

// scan returns the live processes whose stat matches.
func scan(match func(procStat) bool) []int {
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := readStat(pid)
		if err == nil && st.state != 'Z' && st.state != 'X' && match(st) {
			pids = append(pids, pid)
		}
	}
	sort.Ints(pids)
	return pids
}

// Tree returns pid and all its live descendants, pid first.
func Tree(pid int) []int {
	if !Alive(pid) {
		return nil
	}
	pids := []int{pid}
	for i := 0; i < len(pids); i++ {
		pids = append(pids, Children(pids[i])...)
	}
	return pids
}

// Status returns the named fields of /proc/PID/status, such as VmRSS,
// Seccomp or SigBlk, with surrounding blanks removed. With no names
// it returns every field.
func Status(pid int, names ...string) (map[string]string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	m := make(map[string]string)
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && (len(names) == 0 || contains(names, k)) {
			m[k] = strings.TrimSpace(v)
		}
	}
	return m, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// RSS returns the resident set size of pid in bytes.
func RSS(pid int) (int64, error) {
	m, err := Status(pid, "VmRSS")
	if err != nil {
		return 0, err
	}
	kb, err := strconv.ParseInt(strings.TrimSuffix(m["VmRSS"], " kB"), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("pid %d: VmRSS %q", pid, m["VmRSS"])
	}
	return kb << 10, nil
}

// FDCount returns the number of open file descriptors of pid.
func FDCount(pid int) (int, error) {
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	return len(ents), err
}

// CPUTime returns the user plus system CPU time spent so far by the
// given processes (not their children). Processes that are gone
// count as zero.
func CPUTime(pids ...int) time.Duration {
	var t uint64
	for _, pid := range pids {
		if st, err := readStat(pid); err == nil {
			t += st.utime + st.stime
		}
	}
	return time.Duration(t) * time.Second / ticks
}
