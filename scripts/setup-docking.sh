#!/usr/bin/env bash
# Installs what the docking pose data set's generator (scripts/docking/generate.ts) needs: AutoDock
# Vina 1.2.3, Open Babel 3.1 (PDBQT, SMILES, hydrogens, Gasteiger charges) and the Debian packages
# that hold the crystal complexes and ligand pools (rdkit-data: Aurora A 2C6E and cdk2/egfr/bzr
# SDF pools; pymol-data: HIV protease 1HPV; pdb2pqr-doc: protonated amprenavir). Safe to run again.
set -euo pipefail
SUDO=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && SUDO="sudo"
PKGS="autodock-vina openbabel rdkit-data pymol-data pdb2pqr-doc"
missing=""
for p in $PKGS; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  echo "setup-docking: installing Debian packages:$missing"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
echo "setup-docking: ready"
