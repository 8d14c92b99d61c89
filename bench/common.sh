# Sourced by every bench script (from the repository's root): progress lines, free ports on 127.0.0.1, and the
# processor repository with the bench functions.
say() { echo "== $*" >&2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# bench_repo DIR: a git repository at DIR holding bench/tasks/bench_tasks.py (the peers' functions and spin).
bench_repo() {
  mkdir -p "$1" && cp bench/tasks/bench_tasks.py "$1/"
  git -C "$1" init -q -b main && git -C "$1" add -A && git -C "$1" -c user.email=b@pyfi -c user.name=bench commit -qm bench
}
