# The lab's flat apt repositories, one per suite: .deb files fetched once with `apt-get download`, indexed by
# dpkg-scanpackages, served from the backend namespace (bookworm on :8000, trixie on :8001). Sourced.

REPO_PACKAGES=(haproxy exabgp keepalived ethtool nftables)

# Private apt state for a suite other than this machine's own (bookworm): its own sources, lists, cache and an
# empty dpkg status, so the machine's apt state is never touched. The machine's apt.conf.d still applies.
suite_apt_dir() { printf '%s/apt-%s' "$LAB_CACHE" "$1"; }

suite_apt() {
  local suite="$1" dir; shift
  if [ "$suite" = bookworm ]; then "$@"; return; fi
  dir="$(suite_apt_dir "$suite")"
  "$@" -o "Dir::Etc::SourceList=$dir/sources.list" -o "Dir::Etc::SourceParts=$dir/sources.list.d" \
    -o "Dir::Etc::Preferences=/dev/null" -o "Dir::Etc::PreferencesParts=$dir/preferences.d" \
    -o "Dir::State=$dir/state" -o "Dir::State::status=$dir/status" -o "Dir::Cache=$dir/cache"
}

prepare_suite_apt() {
  local suite="$1" dir keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  dir="$(suite_apt_dir "$suite")"
  rm -rf "$dir"
  mkdir -p "$dir/sources.list.d" "$dir/preferences.d" "$dir/state/lists/partial" "$dir/cache/archives/partial"
  : >"$dir/status"
  {
    printf 'deb [signed-by=%s] %s %s main\n' "$keyring" "$(debian_mirror)" "$suite"
    printf 'deb [signed-by=%s] %s %s-updates main\n' "$keyring" "$(debian_mirror)" "$suite"
    printf 'deb [signed-by=%s] %s %s-security main\n' "$keyring" "$(debian_security_mirror)" "$suite"
  } >"$dir/sources.list"
  suite_apt "$suite" apt-get update -qq >"$LAB_CACHE/repo-update-$suite.log" 2>&1 \
    || die "apt-get update for $suite failed, see $LAB_CACHE/repo-update-$suite.log"
}

build_repo() {
  local suite="$1" started=$SECONDS names tmp repo
  repo="$(repo_dir "$suite")"
  tmp="$repo.tmp"
  log "building the $suite apt repository (${REPO_PACKAGES[*]} and their dependencies)"
  if [ "$suite" = bookworm ]; then
    apt-cache show haproxy >/dev/null 2>&1 || apt-get update -qq
  else
    prepare_suite_apt "$suite"
  fi
  # Recursive hard dependencies; <virtual> entries are dropped (their providers are listed too).
  names="$(suite_apt "$suite" apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
    --no-replaces --no-enhances "${REPO_PACKAGES[@]}" | grep -E '^[a-z0-9]' | grep -v ':i386' | sort -u)"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  # shellcheck disable=SC2086 # one word per package name
  (cd "$tmp" && suite_apt "$suite" apt-get download -q $names >"$LAB_CACHE/repo-download-$suite.log" 2>&1) \
    || die "apt-get download failed, see $LAB_CACHE/repo-download-$suite.log"
  (cd "$tmp" && dpkg-scanpackages --multiversion . /dev/null 2>/dev/null >Packages && gzip -9kf Packages)
  rm -rf "$repo"
  mv "$tmp" "$repo"
  log "$suite apt repository ready in $((SECONDS - started))s: $(find "$repo" -name '*.deb' | wc -l) packages"
}

# A cached repository is rebuilt when a package was added to the list since it was built.
ensure_repo() {
  local suite="$1" pkg repo
  repo="$(repo_dir "$suite")"
  [ -f "$repo/Packages.gz" ] || { build_repo "$suite"; return; }
  for pkg in "${REPO_PACKAGES[@]}"; do
    zgrep -qx "Package: $pkg" "$repo/Packages.gz" || { build_repo "$suite"; return; }
  done
}
