# Sourced by the setup scripts: apt_install LABEL PKG... installs the Debian packages not yet installed
# (with sudo when not root), and does nothing when all are there.
apt_install() {
  local label=$1 sudo="" missing="" p
  shift
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && sudo="sudo"
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
  [ -z "$missing" ] && return 0
  echo "$label: installing Debian packages:$missing"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
}
