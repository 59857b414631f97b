# The lab's flat apt repository: .deb files fetched once with `apt-get download`, indexed by
# dpkg-scanpackages, served from the backend namespace. Sourced.

REPO_PACKAGES=(haproxy exabgp keepalived ethtool nftables)

build_repo() {
  local started=$SECONDS names tmp="$LAB_CACHE/repo.tmp"
  log "building the lab apt repository (${REPO_PACKAGES[*]} and their dependencies)"
  apt-cache show haproxy >/dev/null 2>&1 || apt-get update -qq
  # Recursive hard dependencies; <virtual> entries are dropped (their providers are listed too).
  names="$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
    --no-replaces --no-enhances "${REPO_PACKAGES[@]}" | grep -E '^[a-z0-9]' | grep -v ':i386' | sort -u)"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  # shellcheck disable=SC2086 # one word per package name
  (cd "$tmp" && apt-get download -q $names >"$LAB_CACHE/repo-download.log" 2>&1) \
    || die "apt-get download failed, see $LAB_CACHE/repo-download.log"
  (cd "$tmp" && dpkg-scanpackages --multiversion . /dev/null 2>/dev/null >Packages && gzip -9kf Packages)
  rm -rf "$REPO_DIR"
  mv "$tmp" "$REPO_DIR"
  log "apt repository ready in $((SECONDS - started))s: $(find "$REPO_DIR" -name '*.deb' | wc -l) packages"
}

# A cached repository is rebuilt when a package was added to the list since it was built.
ensure_repo() {
  local pkg
  [ -f "$REPO_DIR/Packages.gz" ] || { build_repo; return; }
  for pkg in "${REPO_PACKAGES[@]}"; do
    zgrep -qx "Package: $pkg" "$REPO_DIR/Packages.gz" || { build_repo; return; }
  done
}
