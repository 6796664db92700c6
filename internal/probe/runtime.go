//go:build linux && (amd64 || arm64)

package probe

// This file checks that the Go runtime still works in a confined
// process.

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// grown is set once Runtime has made the heap grow.
var grown bool

// seenThreads are the threads Runtime's locked goroutines ran on.
var seenThreads = map[int]bool{}

// Runtime starts goroutines and new OS threads, grows the heap, runs
// the garbage collector, has a goroutine preempted, waits for timers, writes to standard error
// and reads file (if not empty), and returns what failed, or "".
func Runtime(file string) string {
	var failed []string
	fail := func(f string, args ...any) { failed = append(failed, fmt.Sprintf(f, args...)) }

	var wg sync.WaitGroup
	sum := make([]int, 200)
	for i := range sum {
		wg.Add(1)
		go func() { defer wg.Done(); time.Sleep(time.Millisecond); sum[i] = i }()
	}
	wg.Wait()
	for i, v := range sum {
		if v != i {
			fail("goroutine %d did not run", i)
			break
		}
	}

	// Goroutines that exit locked to their threads end them, so each
	// call runs its locked goroutines on threads never seen before,
	// most of them new.
	tids := make(chan int, 4)
	for range cap(tids) {
		go func() {
			runtime.LockOSThread()
			tids <- syscall.Gettid()
		}()
	}
	fresh := 0
	for range cap(tids) {
		if t := <-tids; !seenThreads[t] {
			seenThreads[t] = true
			fresh++
		}
	}
	if fresh == 0 {
		fail("no new thread")
	}

	// One allocation larger than the free heap makes it grow (mmap),
	// once per process: each time would double the heap.
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	gcs, sys := ms.NumGC, ms.HeapSys
	var keep []byte
	grow := !grown
	if grow {
		grown = true
		keep = make([]byte, ms.HeapSys-ms.HeapInuse+16<<20)
		keep[0], keep[len(keep)-1] = 1, 1
	}
	runtime.GC()
	runtime.ReadMemStats(&ms)
	if ms.NumGC == gcs {
		fail("no garbage collection")
	}
	if grow && ms.HeapSys <= sys {
		fail("heap did not grow: %d to %d bytes", sys, ms.HeapSys)
	}
	runtime.KeepAlive(keep)

	// With one P, a goroutine spinning without function calls gives
	// the processor back only when the runtime preempts it with
	// SIGURG: this goroutine waking from its sleep shows that it did.
	prev := runtime.GOMAXPROCS(1)
	var stop atomic.Bool
	spinning := make(chan struct{})
	go func() {
		close(spinning)
		for !stop.Load() {
		}
	}()
	<-spinning
	time.Sleep(time.Millisecond)
	stop.Store(true)
	runtime.GOMAXPROCS(prev)

	start := time.Now()
	<-time.After(20 * time.Millisecond)
	if d := time.Since(start); d < 20*time.Millisecond {
		fail("timer fired after %v", d)
	}
	tk := time.NewTicker(time.Millisecond)
	for range 5 {
		<-tk.C
	}
	tk.Stop()

	if _, err := fmt.Fprintln(os.Stderr, "probe: standard error works"); err != nil {
		fail("stderr: %v", err)
	}
	if file != "" {
		if b, err := os.ReadFile(file); err != nil || len(b) == 0 {
			fail("read %s: %d bytes, %v", file, len(b), err)
		}
	}
	if failed == nil {
		return ""
	}
	return fmt.Sprint(failed)
}
