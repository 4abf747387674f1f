#!/usr/bin/env bash
# Installs what the docking pose data set's generator (scripts/docking/generate.ts) needs: AutoDock
# Vina 1.2.3, Open Babel 3.1 (PDBQT, SMILES, hydrogens, Gasteiger charges) and the Debian packages
# that hold the crystal complexes and ligand pools (rdkit-data: Aurora A 2C6E and cdk2/egfr/bzr
# SDF pools; pymol-data: HIV protease 1HPV; pdb2pqr-doc: protonated amprenavir). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/apt-install.sh
PKGS="autodock-vina openbabel rdkit-data pymol-data pdb2pqr-doc"
apt_install setup-docking $PKGS
echo "setup-docking: ready"
