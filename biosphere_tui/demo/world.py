"""The demo world: a seeded, deterministic Biosphère federation.

Sites (each with a fake OpenStack `SiteState`), the RAINBio catalogue, people, groups,
membership requests, deployments and 90 days of consumption, all drawn from
``random.Random(seed)`` relative to the clock's time at build: the same seed and start
give the same world. `World.tick` applies what fell due since the last call (deployment
states, new membership requests); the portal calls it on each request.

Domain rules live here (roles, quota, capacity, request states) and fail with
`WorldError`; the HTTP side is `portal_server`.
"""

from __future__ import annotations

import heapq
import itertools
import random
import re
import threading
import unicodedata
import uuid
import zlib
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from biosphere_tui.models import (
    AccessLink,
    Appliance,
    Capacity,
    Deployment,
    DeploymentState,
    Developer,
    Group,
    GroupKind,
    Member,
    MembershipRequest,
    Parameter,
    Quota,
    RequestState,
    Role,
    Tool,
    UsageDay,
    User,
)
from biosphere_tui.models import SiteState as Availability

from .clock import DemoClock
from .openstack_site import FakeFlavor, FakeImage, SiteState

DEMO_USERNAME = "demo"
USAGE_DAYS = 90
REQUEST_EVERY = (480.0, 720.0)  # a new membership request every 8-12 demo minutes
FINALIZE_SECONDS = (8.0, 20.0)
BOOKED_SHARE = 0.85  # seeded live deployments fill a group's quota up to this share
ACTIVE_EVERY = (300, 5400)  # the portal's monitor sees a VM in use busy every 5-90 demo minutes
IDLE_SHARE = 0.15  # seeded Ready VMs nobody has used for days or weeks
SHUTOFF_SHARE = 0.05  # seeded Ready VMs whose server was shut off days or weeks ago
S = DeploymentState

# -- reference data (domain.md) ---------------------------------------------------------


@dataclass(frozen=True)
class FlavorSpec:
    name: str
    vcpu: int
    ram_gb: int
    disk_gb: int
    gpu: int = 0


FLAVORS: dict[str, FlavorSpec] = {f.name: f for f in (
    FlavorSpec("ifb.m4.medium", 1, 4, 40),
    FlavorSpec("ifb.m4.large", 2, 8, 110),
    FlavorSpec("ifb.m4.xlarge", 4, 16, 230),
    FlavorSpec("ifb.m4.2xlarge", 8, 32, 470),
    FlavorSpec("ifb.m4.4xlarge", 16, 64, 920),
    FlavorSpec("ifb.m4.8xlarge", 32, 128, 1840),
    FlavorSpec("ifb.m4.16xlarge", 64, 256, 3680),
    FlavorSpec("ifb.tr.small", 1, 1, 20),
    FlavorSpec("ifb.tr.medium", 2, 2, 40),
    FlavorSpec("ifb.tr.large", 4, 4, 80),
    FlavorSpec("ifb.tr.xlarge", 8, 8, 120),
    FlavorSpec("ifb.tr.2xlarge", 16, 16, 200),
    FlavorSpec("ifb.hf.xlarge", 4, 16, 200),
    FlavorSpec("ifb.hf.2xlarge", 8, 32, 400),
    FlavorSpec("ifb.bm.1tb", 64, 1024, 2000),
    FlavorSpec("ifb.bm.4tb", 128, 4096, 4000),
    FlavorSpec("ifb.gpu.a100.xlarge", 16, 64, 500, gpu=1),
)}
# How often a flavour is picked for a seeded deployment (those absent are never picked).
FLAVOR_WEIGHTS = {
    "ifb.m4.medium": 3, "ifb.m4.large": 6, "ifb.m4.xlarge": 5, "ifb.m4.2xlarge": 2, "ifb.m4.4xlarge": 0.6,
    "ifb.m4.8xlarge": 0.15, "ifb.m4.16xlarge": 0.05, "ifb.tr.small": 2, "ifb.tr.medium": 4, "ifb.tr.large": 4,
    "ifb.tr.xlarge": 1, "ifb.tr.2xlarge": 0.3, "ifb.hf.xlarge": 1, "ifb.hf.2xlarge": 0.6, "ifb.bm.1tb": 0.1,
    "ifb.bm.4tb": 0.03, "ifb.gpu.a100.xlarge": 0.4,
}
M4 = tuple(name for name in FLAVORS if ".m4." in name)
TR = tuple(name for name in FLAVORS if ".tr." in name)
HF = ("ifb.hf.xlarge", "ifb.hf.2xlarge")


@dataclass(frozen=True)
class SiteSpec:
    id: str
    platform: str
    city: str
    features: tuple[str, ...]
    vcpu: int
    ram_gb: int
    storage_gb: int
    gpu: int
    flavors: tuple[str, ...]


SITES = (
    SiteSpec("ifb-core-cloud", "IFB-core", "Orsay", ("GPU", "BigMem"), 3000, 15000, 400_000, 16,
             (*M4, "ifb.bm.1tb", "ifb.gpu.a100.xlarge")),
    SiteSpec("ifb-genouest-genostack", "GenOuest", "Rennes", ("Training",), 1500, 6000, 200_000, 0, (*M4, *TR)),
    SiteSpec("ifb-prabi-girofle", "PRABI-LBBE", "Villeurbanne", (), 1000, 4000, 120_000, 0, M4),
    SiteSpec("ifb-bird-stack", "BiRD", "Nantes", ("HighFreq",), 800, 3200, 100_000, 0, (*M4, *HF)),
    SiteSpec("meso-psmn-cirrus", "CBPsmn", "Lyon (ENS)", ("Training",), 1200, 4800, 100_000, 0, (*M4, *TR)),
    SiteSpec("ifb-bigest-cloud", "BiGEst", "Strasbourg", ("BigMem",), 640, 8192, 150_000, 0,
             (*M4, "ifb.bm.1tb", "ifb.bm.4tb")),
    SiteSpec("ifb-bilille-cloud", "Bilille", "Lille", (), 500, 2000, 60_000, 0, M4),
    SiteSpec("ifb-aubi-cloud", "AuBi", "Clermont-Ferrand", ("GPU",), 400, 1600, 60_000, 8,
             (*M4, "ifb.gpu.a100.xlarge")),
)
DEGRADED_SITE = "ifb-bilille-cloud"
IMAGES = (("Ubuntu 22.04", "ubuntu"), ("Ubuntu 20.04", "ubuntu"), ("Ubuntu 16.04", "ubuntu"),
          ("Debian 12", "debian"), ("Rocky 9", "rocky"))

# Tools: "name version url".
_TOOL_INDEX = {t.split()[0]: t for t in (
    "Conda 24.1.2 https://docs.conda.io",
    "Docker 24.0.7 https://www.docker.com",
    "Apptainer 1.2.5 https://apptainer.org",
    "Snakemake 8.5.3 https://snakemake.github.io",
    "Nextflow 23.10.1 https://www.nextflow.io",
    "cwltool 3.1.20240112 https://github.com/common-workflow-language/cwltool",
    "Toil 6.1.0 https://toil.ucsc-cgl.org",
    "JupyterLab 4.1.2 https://jupyter.org",
    "RStudio-Server 2023.12.1 https://posit.co/products/open-source/rstudio-server/",
    "Shiny-Server 1.5.21 https://posit.co/products/open-source/shinyserver/",
    "R 4.3.2 https://www.r-project.org",
    "Python 3.11.8 https://www.python.org",
    "X2Go 4.1.0.3 https://wiki.x2go.org",
    "MATE 1.26 https://mate-desktop.org",
    "XFCE 4.18 https://www.xfce.org",
    "Galaxy 23.2 https://galaxyproject.org",
    "FastQC 0.12.1 https://www.bioinformatics.babraham.ac.uk/projects/fastqc/",
    "MultiQC 1.20 https://multiqc.info",
    "Trimmomatic 0.39 https://github.com/usadellab/Trimmomatic",
    "MEGAHIT 1.2.9 https://github.com/voutcn/megahit",
    "SPAdes 3.15.5 https://github.com/ablab/spades",
    "Kraken2 2.1.3 https://github.com/DerrickWood/kraken2",
    "MetaPhlAn 4.1.0 https://github.com/biobakery/MetaPhlAn",
    "CheckM 1.2.2 https://github.com/Ecogenomics/CheckM",
    "GTDB-Tk 2.3.2 https://github.com/Ecogenomics/GTDBTk",
    "MetaBAT2 2.15 https://bitbucket.org/berkeleylab/metabat",
    "CONCOCT 1.1.0 https://github.com/BinPro/CONCOCT",
    "Anvio 8 https://anvio.org",
    "Prokka 1.14.6 https://github.com/tseemann/prokka",
    "Bowtie2 2.5.3 https://github.com/BenLangmead/bowtie2",
    "BWA 0.7.17 https://github.com/lh3/bwa",
    "Samtools 1.19 https://www.htslib.org",
    "minimap2 2.26 https://github.com/lh3/minimap2",
    "DIAMOND 2.1.9 https://github.com/bbuchfink/diamond",
    "BLAST+ 2.15.0 https://blast.ncbi.nlm.nih.gov",
    "HMMER 3.4 http://hmmer.org",
    "STAR 2.7.11a https://github.com/alexdobin/STAR",
    "Salmon 1.10.2 https://combine-lab.github.io/salmon/",
    "DESeq2 1.42.0 https://bioconductor.org/packages/DESeq2/",
    "Subread 2.0.6 https://subread.sourceforge.net",
    "HISAT2 2.2.1 https://daehwankimlab.github.io/hisat2/",
    "Sniffles2 2.2 https://github.com/fritzsedlazeck/Sniffles",
    "SVIM 2.0.0 https://github.com/eldariont/svim",
    "IGV 2.17.2 https://igv.org",
    "Artemis 18.2.0 https://sanger-pathogens.github.io/Artemis/",
    "VirSorter2 2.2.4 https://github.com/jiarong/VirSorter2",
    "CheckV 1.0.1 https://bitbucket.org/berkeleylab/checkv",
    "vConTACT2 0.11.3 https://bitbucket.org/MAVERICLab/vcontact2",
    "PlaScope 1.3.1 https://github.com/labgem/PlaScope",
    "MicroScope 3.16 https://mage.genoscope.cns.fr/microscope/",
    "AskOmics 4.5.0 https://github.com/askomics/flaskomics",
    "DRomics 2.5-2 https://github.com/aursiber/DRomics",
    "DRomicsInterpreter 0.9 https://github.com/aursiber/DRomicsInterpreter-shiny",
    "W4M 3.0 https://workflow4metabolomics.org",
    "OpenMS 3.1.0 https://www.openms.de",
    "Slurm 23.02.7 https://slurm.schedmd.com",
    "Flye 2.9.3 https://github.com/fenderglass/Flye",
    "Medaka 1.11.3 https://github.com/nanoporetech/medaka",
    "Seurat 5.0.1 https://satijalab.org/seurat/",
    "Scanpy 1.9.8 https://scanpy.readthedocs.io",
    "PyTorch 2.2.1 https://pytorch.org",
    "ColabFold 1.5.5 https://github.com/sokrypton/ColabFold",
    "IQ-TREE 2.2.6 http://www.iqtree.org",
    "MAFFT 7.520 https://mafft.cbrc.jp/alignment/software/",
    "QIIME2 2024.2 https://qiime2.org",
)}

_CORE = ("IFB-core cloud team", "IFB-core")
_GENOUEST = ("GenOuest team", "GenOuest")


def _appliance(ident: str, name: str, category: str, summary: str, description: str, tools: str,
               topics: Sequence[str], *, os: tuple[str, str] = ("Ubuntu", "22.04"),
               access: tuple[str, ...] = ("ssh",), devs: Sequence[tuple[str, str]] = (_CORE,),
               mins: tuple[int, int, int] = (2, 8, 20), version: str = "1.0", licence: str = "Apache-2.0",
               contact: str = "biosphere-support@example.org", docker: bool = False,
               desktop: bool = False, multi: bool = False) -> Appliance:
    """A catalogue entry; *tools* names entries of `_TOOL_INDEX` separated by spaces."""
    parsed = []
    for tool in tools.split():
        tool_name, tool_version, url = _TOOL_INDEX[tool].split()
        parsed.append(Tool(tool_name, tool_version, url))
    return Appliance(
        id=ident, name=name, category=category, os=os[0], os_version=os[1], summary=summary,
        description=description, version=version, licence=licence, contact=contact, tools=tuple(parsed),
        topics=tuple(topics), access=access, developers=tuple(Developer(*d) for d in devs),
        min_vcpu=mins[0], min_ram_gb=mins[1], min_disk_gb=mins[2], docker=docker,
        remote_desktop=desktop, multi_vm=multi)


_WEB = ("ssh", "https")
_DESKTOP = ("ssh", "x2go")
APPLIANCES: tuple[Appliance, ...] = (
    _appliance("201", "Ubuntu 22.04", "Base Linux", "A plain Ubuntu 22.04 LTS server.",
               "Minimal Ubuntu 22.04 LTS with Conda and Docker, the shared /ifb/data storage mounted.",
               "Conda Docker", ["Computer science"], mins=(1, 2, 20), version="22.04.4", docker=True),
    _appliance("173", "Ubuntu 20.04", "Base Linux", "A plain Ubuntu 20.04 LTS server.",
               "Minimal Ubuntu 20.04 LTS with Conda, the shared /ifb/data storage mounted.",
               "Conda", ["Computer science"], os=("Ubuntu", "20.04"), mins=(1, 2, 20), version="20.04.6"),
    _appliance("88", "Ubuntu-16.04", "Base Linux", "Legacy Ubuntu 16.04 server for old pipelines.",
               "Ubuntu 16.04 kept for reproducing published analyses; no longer updated.",
               "Conda", ["Computer science"], os=("Ubuntu", "16.04"), mins=(1, 2, 20), version="16.04.7"),
    _appliance("190", "Debian 12", "Base Linux", "A plain Debian 12 (bookworm) server.",
               "Minimal Debian 12 with Conda and Apptainer.", "Conda Apptainer", ["Computer science"],
               os=("Debian", "12"), mins=(1, 2, 20), version="12.5", devs=(_GENOUEST,)),
    _appliance("192", "Rocky Linux 9", "Base Linux", "A plain Rocky Linux 9 server.",
               "Minimal Rocky Linux 9, for software packaged as RPMs.", "Conda Apptainer", ["Computer science"],
               os=("Rocky", "9"), mins=(1, 2, 20), version="9.3"),
    _appliance("195", "Docker host", "Base Linux", "Ubuntu with Docker and Apptainer ready to use.",
               "Run containerised tools: Docker engine, Apptainer and Conda preinstalled.",
               "Docker Apptainer Conda", ["Computer science", "Software engineering"], docker=True),
    _appliance("118", "Ubuntu-Desktop MATE", "Remote desktop", "A graphical MATE desktop over X2Go.",
               "Ubuntu with a MATE desktop reachable through X2Go, with IGV and Artemis for browsing genomes.",
               "X2Go MATE IGV Artemis", ["Data visualisation", "Genomics"], access=_DESKTOP, mins=(2, 8, 40),
               version="2.3", desktop=True, devs=(_GENOUEST,)),
    _appliance("198", "Remote desktop XFCE", "Remote desktop", "A light XFCE desktop over X2Go.",
               "A lighter desktop than MATE for small flavours; X2Go session type XFCE.",
               "X2Go XFCE", ["Data visualisation"], access=_DESKTOP, mins=(2, 4, 20), desktop=True),
    _appliance("119", "BioPipes", "Workflow", "Snakemake and Nextflow with Conda and Apptainer.",
               "Run community workflows (nf-core, Snakemake wrappers) with every workflow manager ready.",
               "Snakemake Nextflow Conda Apptainer Docker", ["Workflows", "Bioinformatics"], mins=(2, 8, 50),
               version="2.1", docker=True, devs=(_CORE, ("BiRD team", "BiRD"))),
    _appliance("203", "Nextflow", "Workflow", "Nextflow and nf-core tools with Apptainer.",
               "Nextflow with Apptainer and Docker executors, configured for nf-core pipelines.",
               "Nextflow Apptainer Docker", ["Workflows"], mins=(4, 16, 100), docker=True),
    _appliance("205", "Snakemake", "Workflow", "Snakemake with Conda environments.",
               "Snakemake with Mamba-backed Conda environments and Apptainer.",
               "Snakemake Conda Apptainer", ["Workflows"], mins=(2, 8, 50)),
    _appliance("207", "CWL runner", "Workflow", "Common Workflow Language runners: cwltool and Toil.",
               "Run CWL workflows locally with cwltool or at scale with Toil.",
               "cwltool Toil Docker", ["Workflows"], mins=(2, 8, 50), docker=True, licence="Apache-2.0"),
    _appliance("125", "Marine Microbiome", "Workflow", "Metagenomics of marine samples, reads to MAGs.",
               "Assembly, binning and taxonomic profiling of marine metagenomes: MEGAHIT, metaSPAdes, "
               "MetaBAT2, CheckM, GTDB-Tk, Kraken2 and MetaPhlAn, chained with Snakemake.",
               "MEGAHIT SPAdes MetaBAT2 CheckM GTDB-Tk Kraken2 MetaPhlAn Snakemake",
               ["Metagenomics", "Microbial ecology", "Sequence assembly"], mins=(4, 16, 200), version="1.4",
               devs=(("ABiMS team", "ABiMS Roscoff"),), licence="GPL-3.0"),
    _appliance("127", "EBAME-Quince", "Training", "The EBAME metagenomics course environment.",
               "Course environment of the EBAME workshop: co-assembly, CONCOCT binning, Anvi'o "
               "visualisation and MAG quality, on a desktop over X2Go.",
               "MEGAHIT CONCOCT Anvio CheckM Bowtie2 Samtools X2Go",
               ["Metagenomics", "Sequence assembly"], access=_DESKTOP, mins=(4, 4, 80), version="2026.1",
               desktop=True, devs=(_CORE, ("Genoscope LABGeM", "Genoscope"))),
    _appliance("150", "MicroCloud (MicroScope)", "Web UI", "MicroScope microbial genome annotation, multi-VM.",
               "A private MicroScope platform: a web front end and a compute node for syntactic and "
               "functional annotation of prokaryotic genomes.",
               "MicroScope Prokka BLAST+ HMMER DIAMOND", ["Genomics", "Microbiology", "Sequence analysis"],
               access=_WEB, mins=(8, 32, 200), version="3.16", multi=True,
               devs=(("Genoscope LABGeM", "Genoscope"),), licence="CeCILL-2.1"),
    _appliance("155", "PlaScope", "Workflow", "Classify contigs as plasmid or chromosome.",
               "PlaScope targeted classification of assembly contigs into plasmid or chromosome.",
               "PlaScope Kraken2 SPAdes", ["Microbiology", "Mobile genetic elements"], mins=(2, 8, 40),
               version="1.3.1", devs=(("Genoscope LABGeM", "Genoscope"),), licence="GPL-3.0"),
    _appliance("160", "Jupyter/Python", "Web UI", "JupyterLab with the scientific Python stack.",
               "JupyterLab behind HTTPS with NumPy, pandas, Biopython and Scanpy; token login.",
               "JupyterLab Python Conda", ["Bioinformatics", "Data visualisation"], access=_WEB,
               mins=(2, 8, 40), version="4.1"),
    _appliance("166", "AskOmics", "Web UI", "Integrate and query heterogeneous omics data.",
               "AskOmics turns CSV, GFF and BED files into an RDF graph queried through a visual interface.",
               "AskOmics Python", ["Data integration and warehousing", "Ontology and terminology"], access=_WEB,
               mins=(4, 16, 100), version="4.5", devs=(_GENOUEST,), licence="AGPL-3.0"),
    _appliance("176", "DRomics-shiny", "Web UI", "Dose-response modelling of omics data.",
               "The DRomics Shiny app: select responsive items, fit dose-response models, derive benchmark doses.",
               "DRomics R Shiny-Server", ["Toxicology", "Transcriptomics", "Statistics and probability"],
               access=_WEB, mins=(2, 8, 20), version="2.5", devs=(("PRABI-LBBE team", "PRABI-LBBE"),),
               licence="GPL-3.0"),
    _appliance("209", "DRomicsInterpreter-shiny", "Web UI", "Interpret DRomics results biologically.",
               "Shiny app to explore DRomics benchmark doses across biological annotations.",
               "DRomicsInterpreter DRomics R Shiny-Server", ["Toxicology", "Transcriptomics"], access=_WEB,
               mins=(2, 8, 20), version="0.9", devs=(("PRABI-LBBE team", "PRABI-LBBE"),), licence="GPL-3.0"),
    _appliance("180", "RStudio Server", "Web UI", "RStudio in the browser with Bioconductor.",
               "RStudio Server behind HTTPS with R, Bioconductor and the tidyverse; password login.",
               "RStudio-Server R DESeq2", ["Statistics and probability", "Transcriptomics"], access=_WEB,
               mins=(2, 8, 40), version="2023.12", licence="AGPL-3.0"),
    _appliance("211", "Shiny Server", "Web UI", "Host your own Shiny applications.",
               "Shiny Server with R and common packages; drop apps in /srv/shiny-server.",
               "Shiny-Server R", ["Data visualisation"], access=_WEB, mins=(2, 4, 20), licence="AGPL-3.0"),
    _appliance("213", "Phenomenal", "Web UI", "Metabolomics analysis with Galaxy and Workflow4Metabolomics.",
               "A PhenoMeNal Galaxy with the W4M tools for LC-MS and NMR metabolomics.",
               "Galaxy W4M OpenMS", ["Metabolomics", "Workflows"], access=_WEB, mins=(8, 32, 200),
               version="2023.2", devs=(("ABiMS team", "ABiMS Roscoff"),), licence="AFL-3.0"),
    _appliance("215", "Galaxy", "Web UI", "A private Galaxy server.",
               "A Galaxy server with the IUC tools for NGS analysis, backed by Conda.",
               "Galaxy Conda FastQC MultiQC Bowtie2", ["Workflows", "Sequence analysis"], access=_WEB,
               mins=(4, 16, 100), version="23.2", licence="AFL-3.0"),
    _appliance("217", "TrainingSV (Jupyter)", "Training", "Structural variant calling course in Jupyter.",
               "Notebooks of the structural variation course: long-read mapping with minimap2, Sniffles2, SVIM.",
               "JupyterLab minimap2 Sniffles2 SVIM Samtools IGV", ["Structural variation", "Genomics"],
               access=_WEB, mins=(4, 4, 80), version="2025.2"),
    _appliance("219", "Training RNA-Seq (Jupyter)", "Training", "RNA-Seq course in Jupyter notebooks.",
               "Notebooks from reads to differential expression: FastQC, STAR, featureCounts, DESeq2.",
               "JupyterLab FastQC STAR Subread DESeq2 R", ["RNA-Seq", "Transcriptomics", "Gene expression"],
               access=_WEB, mins=(4, 4, 80), version="2025.1"),
    _appliance("221", "Training Metabarcoding", "Training", "16S metabarcoding course with QIIME 2.",
               "QIIME 2 tutorial environment with RStudio for the downstream ecology.",
               "QIIME2 RStudio-Server R", ["Metagenomics", "Microbial ecology"], access=_WEB, mins=(2, 2, 40),
               devs=(("Migale team", "INRAE Migale"),)),
    _appliance("223", "Training Linux & cluster", "Training", "Command line and Slurm basics.",
               "A teaching VM to learn the shell, Conda and job submission on a single-node Slurm.",
               "Slurm Conda", ["Computer science"], mins=(1, 1, 20), devs=(_GENOUEST,)),
    _appliance("225", "virome", "Workflow", "Viral metagenomics: find and classify viral contigs.",
               "VirSorter2, CheckV and vConTACT2 to mine viromes from metagenomic assemblies.",
               "VirSorter2 CheckV vConTACT2 DIAMOND Snakemake", ["Virology", "Metagenomics"], mins=(4, 16, 200),
               version="1.2", devs=(("PRABI-LBBE team", "PRABI-LBBE"),), licence="GPL-3.0"),
    _appliance("227", "Nanopore assembly", "Workflow", "Long-read assembly and polishing.",
               "Flye assembly and Medaka polishing of Oxford Nanopore reads, with minimap2.",
               "Flye Medaka minimap2 Samtools", ["Sequence assembly", "Genomics"], mins=(16, 64, 500),
               devs=(("BiRD team", "BiRD"),), licence="BSD-3-Clause"),
    _appliance("229", "Single-cell (Seurat & Scanpy)", "Web UI", "Single-cell RNA-Seq in RStudio or Jupyter.",
               "Seurat in RStudio and Scanpy in JupyterLab for single-cell transcriptomics.",
               "Seurat Scanpy RStudio-Server JupyterLab R", ["Transcriptomics", "Gene expression"],
               access=_WEB, mins=(8, 32, 100), devs=(("Bilille team", "Bilille"),), licence="GPL-3.0"),
    _appliance("231", "ColabFold (GPU)", "Web UI", "Protein structure prediction on an A100.",
               "ColabFold (AlphaFold2 with MMseqs2) and PyTorch on a GPU flavour, driven from JupyterLab.",
               "ColabFold PyTorch JupyterLab", ["Structure prediction", "Machine learning"], access=_WEB,
               mins=(16, 64, 500), devs=(("AuBi team", "AuBi"),)),
    _appliance("233", "Phylogenomics", "Workflow", "Alignments and maximum-likelihood trees.",
               "MAFFT and IQ-TREE with Snakemake recipes for gene-tree and species-tree inference.",
               "MAFFT IQ-TREE Snakemake", ["Phylogenetics", "Comparative genomics"], mins=(4, 16, 50),
               devs=(("BiGEst team", "BiGEst"),), licence="GPL-3.0"),
    _appliance("235", "Slurm cluster", "Cluster", "A private Slurm cluster, multi-VM.",
               "One controller and elastic compute nodes sharing /ifb/data; submit with sbatch.",
               "Slurm Conda Apptainer", ["Computer science", "Workflows"], mins=(4, 16, 100), multi=True,
               devs=(_CORE, _GENOUEST)),
)

FIRST_NAMES = (
    "Léa", "Hugo", "Chloé", "Lucas", "Manon", "Louis", "Emma", "Gabriel", "Inès", "Jules", "Sarah", "Arthur",
    "Jade", "Raphaël", "Louise", "Adam", "Alice", "Nathan", "Juliette", "Théo", "Zoé", "Paul", "Anaïs",
    "Maxime", "Clara", "Antoine", "Margaux", "Thomas", "Pauline", "Mathieu", "Élise", "Karim", "Yasmine",
    "Mehdi", "Sofia", "Julien", "Nina", "Victor", "Agathe", "Samuel", "Lina", "Bastien", "Marion", "Olivier",
    "Amina", "Vincent", "Hélène", "Pierre", "Aurélie", "Benoît",
)
LAST_NAMES = (
    "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Simon",
    "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier", "Morel",
    "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Legrand", "Garnier",
    "Faure", "Rousseau", "Blanc", "Guérin", "Muller", "Henry", "Roussel", "Nicolas", "Perrin", "Morin",
    "Mathieu", "Clément", "Gauthier", "Dumont", "Lopez", "Fontaine", "Chevalier", "Robin", "Masson", "Le Gall",
)
JOIN_MESSAGES = (
    "PhD student on the {g} project, I need to run assemblies on our samples.",
    "Post-doc joining the team this month; my supervisor asked me to request access.",
    "Engineer in charge of the {g} pipelines, I would like to deploy the workflow VMs.",
    "Master's intern (6 months) working on the binning part of {g}.",
    "Collaborator from a partner lab; we share the sequencing data of {g}.",
    "I would like to reproduce the taxonomic profiles of last year's cruise.",
)
REJECT_REASONS = (
    "Not part of the project: please ask your own team lead.",
    "Duplicate account: you already have access under another login.",
    "Please join your affiliation group first.",
)
ABORT_REASONS = (
    "No valid host was found. There are not enough hosts available.",
    "The VM did not report within 30 minutes (SendingReports timeout).",
    "Quota exceeded on the site for cores.",
    "Image download failed on the compute node.",
    "Network allocation failed: no more floating IPs in the pool.",
)
NAME_WORDS = ("assembly", "binning", "qc", "annot", "test", "tp", "dev", "run", "mags", "16s", "profiles",
              "cruise", "stats", "viz", "demo")


@dataclass(frozen=True)
class GroupSpec:
    id: str
    full_name: str
    kind: GroupKind
    quota: tuple[int, int, int]  # vcpu, ram_gb, storage_gb (multiplied by the scale)
    days: tuple[int, int]  # start, end relative to today
    funding: str
    summary: str
    members: int  # about this many members at scale 1
    demo_role: Role | None
    appliances: tuple[str, ...] = ()  # favourite appliance ids of the group
    share: float = 0.0  # share of the seeded deployments


GROUPS = (
    GroupSpec("marine-meta", "Marine Microbiome Metagenomics", GroupKind.PROJECT, (384, 1536, 20000), (-420, 310),
              "platform", "Metagenomes of coastal plankton time series: assembly, binning, MAG catalogue.",
              20, Role.ADMIN, ("125", "119", "160", "201", "180", "225", "205", "203", "118", "233"), 0.55),
    GroupSpec("ebame-2026", "EBAME 2026 metagenomics workshop", GroupKind.TRAINING, (640, 640, 12000), (-12, 21),
              "platform", "European Bioinformatics Advanced Metagenomics workshop, hands-on sessions.",
              14, Role.MEMBER, ("127", "160", "221", "223"), 0.12),
    GroupSpec("univ-rennes", "Université de Rennes", GroupKind.AFFILIATION, (0, 0, 0), (-3000, 3000), "platform",
              "Affiliation group of Université de Rennes.", 0, Role.MEMBER),
    GroupSpec("plant-pangenomes", "Pan-genomes of crop plants", GroupKind.PROJECT, (256, 2048, 30000), (-200, 500),
              "collaboration", "Graph pan-genomes of wheat and sunflower accessions.", 10, None,
              ("227", "119", "233", "201"), 0.12),
    GroupSpec("sc-liver-atlas", "Single-cell atlas of the liver", GroupKind.PROJECT, (128, 512, 8000), (-90, 640),
              "invoice", "Single-cell transcriptomics of liver biopsies.", 8, None, ("229", "180", "160"), 0.09),
    GroupSpec("dubii-2026", "DU-Bii 2026", GroupKind.TRAINING, (400, 400, 6000), (-60, 120), "platform",
              "University diploma in integrative bioinformatics: practicals.", 12, None,
              ("219", "217", "223", "180"), 0.12),
    GroupSpec("univ-lyon1", "Université Claude Bernard Lyon 1", GroupKind.AFFILIATION, (0, 0, 0), (-3000, 3000),
              "platform", "Affiliation group of Université Claude Bernard Lyon 1.", 0, None),
    GroupSpec("cnrs", "CNRS", GroupKind.AFFILIATION, (0, 0, 0), (-3000, 3000), "platform",
              "Affiliation group of CNRS units.", 0, None),
    GroupSpec("inrae", "INRAE", GroupKind.AFFILIATION, (0, 0, 0), (-3000, 3000), "platform",
              "Affiliation group of INRAE units.", 0, None),
)
AFFILIATIONS = tuple(g.id for g in GROUPS if g.kind is GroupKind.AFFILIATION)
FUNDINGS = ("platform", "collaboration", "invoice")

# -- runtime records --------------------------------------------------------------------


class WorldError(Exception):
    """A refused operation: *code* is the portal's error code, *field* the offending input."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


@dataclass(frozen=True)
class GroupInfo:
    id: str
    name: str
    full_name: str
    kind: GroupKind
    quota: Quota
    start_date: date
    end_date: date
    funding: str
    summary: str

    def as_group(self, role: Role, used: Quota | None = None) -> Group:
        return Group(self.id, self.name, self.full_name, self.kind, role, self.quota, self.start_date,
                     self.end_date, self.funding, used)


@dataclass
class DemoSite:
    """One site of the federation as the portal knows it, with its fake OpenStack state."""

    spec: SiteSpec
    cloud: SiteState
    availability: Availability
    message: str
    totals: tuple[int, int, int, int]  # vcpu, ram_gb, storage_gb, gpu of the whole site
    others: tuple[int, int, int, int]  # used by projects outside Biosphère
    flavor_ids: dict[str, str]  # flavour name -> Nova id
    image_ids: dict[str, str]  # image name -> Glance id

    @property
    def id(self) -> str:
        return self.spec.id


@dataclass(frozen=True)
class Launch:
    """What the orchestrator needs to create a reserved deployment's server through Nova."""

    deployment: Deployment
    flavor_id: str
    image_id: str
    metadata: dict[str, str]


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _resources(flavor: FlavorSpec) -> tuple[int, int, int, int]:
    return flavor.vcpu, flavor.ram_gb, flavor.disk_gb, flavor.gpu


def _fits(used: Sequence[int], extra: Sequence[int], limit: Sequence[float]) -> bool:
    return all(u + e <= lim for u, e, lim in zip(used, extra, limit, strict=False))


# -- consumption ------------------------------------------------------------------------

_Key = tuple[date, str, str]  # day, member, site


class _Ledger:
    """Consumption per group: days before `until` frozen, the current day computed on demand."""

    def __init__(self, until: date) -> None:
        self.until = until
        self._rows: dict[str, dict[_Key, list[float]]] = defaultdict(dict)
        self._sorted: dict[str, tuple[list[date], list[UsageDay]]] = {}

    @staticmethod
    def lifetime(dep: Deployment, now: datetime) -> tuple[datetime, datetime] | None:
        """When *dep* had a VM charged to its group; None if it never had one."""
        if dep.server_id is None:
            return None
        return dep.created, (dep.updated if dep.state.is_final else now)

    def record(self, deps: Iterable[Deployment], since: date, now: datetime) -> None:
        """Add the hours of *deps* from *since* to the start of `until` to the frozen days."""
        first = max(_midnight(since), _midnight(self.until - timedelta(days=USAGE_DAYS - 1)))
        last = _midnight(self.until)
        for dep in deps:
            span = self.lifetime(dep, now)
            if span is None:
                continue
            start, end = max(span[0], first), min(span[1], last)
            rows = self._rows[dep.group_id]
            while start < end:
                stop = min(end, _midnight(start.date() + timedelta(days=1)))
                _accrue(rows.setdefault((start.date(), dep.owner, dep.site), [0.0] * 5), dep,
                        (stop - start).total_seconds() / 3600)
                start = stop
        self._sorted.clear()

    def advance(self, deps: Iterable[Deployment], today: date, now: datetime) -> None:
        """Freeze the days between `until` and *today* (after the clock passed midnight)."""
        since, self.until = self.until, today
        self.record(deps, since, now)

    def days(self, gid: str, start: date, end: date) -> list[UsageDay]:
        """Frozen rows of *gid* with start <= day <= end, sorted by day, member, site."""
        if gid not in self._sorted:
            rows = sorted(self._rows[gid].items())
            self._sorted[gid] = ([k[0] for k, _ in rows], [_usage_day(gid, k, v) for k, v in rows])
        days, items = self._sorted[gid]
        return items[bisect_left(days, start):bisect_right(days, end)]

    def today(self, gid: str, deps: Iterable[Deployment], now: datetime) -> list[UsageDay]:
        """The rows of the day in progress, accruing with the clock."""
        midnight = _midnight(self.until)
        rows: dict[_Key, list[float]] = {}
        for dep in deps:
            span = self.lifetime(dep, now)
            if span is not None and span[1] > midnight:
                hours = (span[1] - max(span[0], midnight)).total_seconds() / 3600
                _accrue(rows.setdefault((self.until, dep.owner, dep.site), [0.0] * 5), dep, hours)
        return [_usage_day(gid, k, v) for k, v in sorted(rows.items())]


def _accrue(row: list[float], dep: Deployment, hours: float) -> None:
    row[0] += hours
    row[1] += hours * dep.vcpu
    row[2] += hours * dep.ram_gb
    row[3] += hours * dep.disk_gb
    row[4] += hours * dep.gpu


def _usage_day(gid: str, key: _Key, row: list[float]) -> UsageDay:
    return UsageDay(gid, key[0], key[1], key[2], *(round(v, 3) for v in row))


# -- the world --------------------------------------------------------------------------


class World:
    """The whole demo federation; every public method is thread-safe (`lock`)."""

    def __init__(self, *, seed: int = 42, scale: float = 1.0, clock: DemoClock) -> None:
        self.seed = seed
        self.scale = scale
        self.clock = clock
        self.lock = threading.RLock()
        self.built = clock.now().replace(microsecond=0)
        self.user = User(DEMO_USERNAME, "Camille Martin", "camille.martin@example.org")
        self.people: dict[str, User] = {self.user.username: self.user}
        self.sites: dict[str, DemoSite] = {}
        self.appliances: dict[str, Appliance] = {a.id: a for a in APPLIANCES}
        self.groups: dict[str, GroupInfo] = {}
        self.members: dict[str, dict[str, Member]] = {}
        self.requests: dict[str, MembershipRequest] = {}
        self.group_requests: dict[str, dict[str, object]] = {}
        self.deployments: dict[str, Deployment] = {}
        self._requests_by_group: dict[str, list[str]] = defaultdict(list)
        self._by_group: dict[str, list[str]] = defaultdict(list)
        self._by_owner: dict[str, list[str]] = defaultdict(list)
        self._committed: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # vcpu, ram, disk
        self._schedule: list[tuple[datetime, int, str, S, S]] = []
        self._seq = itertools.count()
        self._request_seq = itertools.count(1)
        self._rng = random.Random(f"{seed}-runtime")
        self._visitors = random.Random(f"{seed}-visitors")
        self._haystacks = {a.id: _haystack(a) for a in APPLIANCES}
        rng = random.Random(seed)
        self._build_sites(rng)
        self._build_groups(rng)
        self._build_deployments(rng)
        self._idle_since: dict[str, datetime] = {}  # deployments nobody uses any more, and since when
        self._seed_activity(random.Random(f"{seed}-activity"))
        self._next_visit = self.built + timedelta(seconds=self._visitors.uniform(*REQUEST_EVERY))
        self._ledger = _Ledger(self.built.date())
        self._ledger.record(self.deployments.values(), self.built.date() - timedelta(days=USAGE_DAYS),
                            self.built)

    # -- building ---------------------------------------------------------------------

    def _count(self, n: float) -> int:
        return max(1, round(n * self.scale))

    def _build_sites(self, rng: random.Random) -> None:
        grow = max(1.0, self.scale)  # a bigger world gets bigger sites, so that it still fits
        for spec in SITES:
            vcpu, ram, storage, gpu = (round(v * grow) for v in (spec.vcpu, spec.ram_gb, spec.storage_gb, spec.gpu))
            totals = (vcpu, ram, storage, gpu)
            o_vcpu, o_ram, o_storage, o_gpu = (round(t * rng.uniform(0.25, 0.5)) for t in totals)
            cloud = SiteState(spec.id, self.clock.now, project_id=uuid.UUID(int=rng.getrandbits(128)).hex,
                              password=f"{rng.getrandbits(96):024x}", quota_cores=totals[0],
                              quota_ram_mb=totals[1] * 1024, quota_instances=round(2000 * grow))
            flavor_ids = {}
            for name in spec.flavors:
                f = FLAVORS[name]
                flavor_ids[name] = _uuid(rng)
                cloud.add_flavor(FakeFlavor(flavor_ids[name], name, f.vcpu, f.ram_gb * 1024, f.disk_gb, f.gpu))
            image_ids = {}
            for name, distro in IMAGES:
                image_ids[name] = _uuid(rng)
                cloud.add_image(FakeImage(image_ids[name], name, distro))
            availability, message = Availability.UP, ""
            if spec.id == DEGRADED_SITE:
                availability = Availability.DEGRADED
                end = (self.built + timedelta(hours=5)).strftime("%H:00")
                message = f"Storage backend maintenance until {end} UTC: new deployments may be slow to boot."
            self.sites[spec.id] = DemoSite(spec, cloud, availability, message, totals,
                                           (o_vcpu, o_ram, o_storage, o_gpu), flavor_ids, image_ids)

    def _new_person(self, rng: random.Random, affiliation: str) -> User:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        base = _slug(first[0] + last).replace("-", "")
        username = base
        for n in itertools.count(2):
            if username not in self.people:
                break
            username = f"{base}{n}"
        user = User(username, f"{first} {last}", f"{_slug(first)}.{_slug(last)}@{affiliation}.example.org")
        self.people[username] = user
        self.members[affiliation][username] = Member(affiliation, username, user.name, user.email, Role.MEMBER,
                                                     self.built.date() - timedelta(days=rng.randint(30, 2000)),
                                                     self.groups[affiliation].end_date)
        return user

    def _build_groups(self, rng: random.Random) -> None:
        today = self.built.date()
        grow = max(1.0, self.scale)
        for spec in GROUPS:
            self.groups[spec.id] = GroupInfo(
                spec.id, spec.id, spec.full_name, spec.kind, Quota(*(round(q * grow) for q in spec.quota)),
                today + timedelta(days=spec.days[0]), today + timedelta(days=spec.days[1]), spec.funding,
                spec.summary)
            self.members[spec.id] = {}
        self.members["univ-rennes"][DEMO_USERNAME] = Member(
            "univ-rennes", DEMO_USERNAME, self.user.name, self.user.email, Role.MEMBER,
            today - timedelta(days=900), self.groups["univ-rennes"].end_date)
        pool = [self._new_person(rng, rng.choice(AFFILIATIONS)) for _ in range(self._count(40) - 1)]
        for spec in GROUPS:
            if spec.members:
                size = self._count(rng.randint(15, 25) if spec.id == "marine-meta" else spec.members)
                self._seed_members(rng, spec, rng.sample(pool, min(size - 1, len(pool))))
        self._seed_requests(rng, pool)

    def _seed_members(self, rng: random.Random, spec: GroupSpec, people: list[User]) -> None:
        group = self.groups[spec.id]
        today = self.built.date()
        span = max((today - group.start_date).days, 1)
        leads = rng.randint(1, 2)
        for i, person in enumerate(people):
            role = Role.ADMIN if i < leads else Role.MEMBER
            joined = group.start_date + timedelta(days=round(span * rng.random() ** 2))
            end = group.end_date
            if rng.random() < 0.15:  # a fixed-term contract ending sooner
                end = min(end, today + timedelta(days=rng.randint(1, 30)))
            self.members[spec.id][person.username] = Member(spec.id, person.username, person.name, person.email,
                                                           role, joined, end)
        if spec.demo_role is not None:
            self.members[spec.id][DEMO_USERNAME] = Member(spec.id, DEMO_USERNAME, self.user.name, self.user.email,
                                                         spec.demo_role, group.start_date, group.end_date)

    def _seed_requests(self, rng: random.Random, pool: list[User]) -> None:
        gid = "marine-meta"
        members = self.members[gid]
        outsiders = [p for p in pool if p.username not in members]
        for member in rng.sample(sorted(members.values(), key=lambda m: m.username), min(6, len(members) - 1)):
            if member.username != DEMO_USERNAME:
                self._add_request(gid, self.people[member.username], _midnight(member.joined)
                                  - timedelta(hours=rng.randint(2, 60)), _message(rng, gid), RequestState.APPROVED)
        for state in [RequestState.REJECTED] * 2 + [RequestState.PENDING] * rng.randint(3, 6):
            person = outsiders.pop() if outsiders else self._new_person(rng, rng.choice(AFFILIATIONS))
            age = rng.uniform(0.1, 5 if state is RequestState.PENDING else 120)
            reason = rng.choice(REJECT_REASONS) if state is RequestState.REJECTED else ""
            self._add_request(gid, person, self.built - timedelta(days=age), _message(rng, gid), state, reason)

    def _add_request(self, gid: str, person: User, created: datetime, message: str,
                     state: RequestState = RequestState.PENDING, reason: str = "") -> MembershipRequest:
        rid = f"mreq-{next(self._request_seq):05d}"
        request = MembershipRequest(rid, gid, person.username, person.name, person.email, message,
                                    created.replace(microsecond=0), state, reason)
        self.requests[rid] = request
        self._requests_by_group[gid].append(rid)
        return request

    def _build_deployments(self, rng: random.Random) -> None:
        specs = [g for g in GROUPS if g.share]
        cum_share = list(itertools.accumulate(g.share for g in specs))
        owners = {}
        for spec in specs:
            people = sorted(self.members[spec.id])
            owners[spec.id] = (people, list(itertools.accumulate(1 / (1 + k) ** 0.8 for k in range(len(people)))))
        site_used = {sid: [0, 0, 0, 0] for sid in self.sites}
        fates = ("ready", "booting", "finalizing", "done", "aborted", "cancelled")
        fate_weights = list(itertools.accumulate((0.72, 0.05, 0.02, 0.13, 0.05, 0.03)))
        created: list[Deployment] = []
        for _ in range(self._count(150)):
            spec = rng.choices(specs, cum_weights=cum_share)[0]
            group = self.groups[spec.id]
            people, weights = owners[spec.id]
            owner = (DEMO_USERNAME if spec.demo_role and rng.random() < 0.12
                     else rng.choices(people, cum_weights=weights)[0])
            app, site, flavor = self._pick_launch(rng, spec)
            fate = rng.choices(fates, cum_weights=fate_weights)[0]
            needs = _resources(flavor)
            live = fate in ("ready", "booting")
            if live and not self._room_for(group, site, site_used[site.id], needs):
                fate, live = "done", False
            created.append(self._seed_deployment(rng, fate, spec.id, owner, app, site, flavor))
            if live:
                site_used[site.id] = [u + n for u, n in zip(site_used[site.id], needs, strict=True)]
        self._seed_orphans(rng)
        for dep in sorted(created, key=lambda d: (d.created, d.id)):
            self._index(dep)

    def _room_for(self, group: GroupInfo, site: DemoSite, site_used: Sequence[int],
                  needs: tuple[int, int, int, int]) -> bool:
        """Whether a seeded live deployment still fits its group's booked share and its site."""
        quota = group.quota
        booked = [q * BOOKED_SHARE for q in (quota.vcpu, quota.ram_gb, quota.storage_gb)]
        free = [total - other for total, other in zip(site.totals, site.others, strict=True)]
        return _fits(self._committed[group.id], needs[:3], booked) and _fits(site_used, needs, free)

    def _pick_launch(self, rng: random.Random, spec: GroupSpec) -> tuple[Appliance, DemoSite, FlavorSpec]:
        """A plausible (appliance, site, flavour) for a deployment of group *spec*."""
        training = spec.kind is GroupKind.TRAINING
        sites = [s for s in self.sites.values() if not training or "Training" in s.spec.features]
        site_weights = [s.spec.vcpu for s in sites]
        while True:
            ident = rng.choice(spec.appliances) if rng.random() < 0.8 else rng.choice(APPLIANCES).id
            app = self.appliances[ident]
            site = rng.choices(sites, weights=site_weights)[0]
            family = TR if training else tuple(n for n in site.spec.flavors if n not in TR)
            fitting = [FLAVORS[n] for n in family
                       if FLAVORS[n].vcpu >= app.min_vcpu and FLAVORS[n].ram_gb >= app.min_ram_gb]
            if fitting:
                return app, site, rng.choices(fitting, weights=[FLAVOR_WEIGHTS[f.name] for f in fitting])[0]

    def _seed_deployment(self, rng: random.Random, fate: str, gid: str, owner: str, app: Appliance,
                         site: DemoSite, flavor: FlavorSpec) -> Deployment:
        now = self.built
        day = 86400.0
        name = f"{_slug(app.name).split('-')[0][:12]}-{rng.choice(NAME_WORDS)}-{rng.randint(1, 99):02d}"
        dep = Deployment(
            id=_uuid(rng), name=name, appliance_id=app.id, appliance_name=app.name, group_id=gid, owner=owner,
            site=site.id, flavor=flavor.name, state=S.READY, created=now, updated=now, vcpu=flavor.vcpu,
            ram_gb=flavor.ram_gb, disk_gb=flavor.disk_gb, gpu=flavor.gpu, server_id=_uuid(rng))
        match fate:
            case "ready" | "booting":
                boot = rng.uniform(45, 90)
                plan = _plan(rng, boot, app.multi_vm)
                age = 3600 + 60 * day * rng.random() ** 2 if fate == "ready" else rng.uniform(0, plan[-1][0])
                created = now - timedelta(seconds=age)
                server = site.cloud.add_server(
                    name=name, flavor_id=site.flavor_ids[flavor.name], image_id=self._image_for(site, app),
                    metadata=_metadata(dep), created=created, status="ACTIVE" if age >= boot else "BUILD",
                    boot_seconds=boot, server_id=dep.server_id)
                dep = replace(dep, created=created, updated=created, state=S.INITIALIZING)
                for offset, state in plan:
                    if offset <= age:
                        dep = self._reached(dep, state, created + timedelta(seconds=offset), server.ip)
                    else:
                        self._plan_step(created + timedelta(seconds=offset), dep, state)
                self._commit(dep, +1)
            case "finalizing":
                ended = now - timedelta(seconds=rng.uniform(0, 6))
                created = ended - timedelta(seconds=rng.uniform(day, 30 * day))
                dep = replace(dep, state=S.FINALIZING, created=created, updated=ended)
                self._plan_step(ended + timedelta(seconds=rng.uniform(*FINALIZE_SECONDS)), dep, S.DONE)
                self._commit(dep, +1)
            case "done":
                age = rng.uniform(0.05, 89) * day
                length = min(3600 + 20 * day * rng.random() ** 2, age - 600)
                dep = replace(dep, state=S.DONE, created=now - timedelta(seconds=age),
                              updated=now - timedelta(seconds=age - length))
            case "cancelled":
                created = now - timedelta(seconds=rng.uniform(0.02, 88) * day)
                dep = replace(dep, state=S.CANCELLED, created=created,
                              updated=created + timedelta(seconds=rng.uniform(60, 240)))
            case _:
                created = now - timedelta(seconds=rng.uniform(0.02, 88) * day)
                dep = replace(dep, state=S.ABORTED, created=created, server_id=None, reason=rng.choice(ABORT_REASONS),
                              updated=created + timedelta(seconds=rng.uniform(30, 900)))
        return replace(dep, created=dep.created.replace(microsecond=0), updated=dep.updated.replace(microsecond=0))

    def _seed_orphans(self, rng: random.Random) -> None:
        """A few servers nobody deployed through the portal (tests, leftovers); no deployment."""
        names = ("test-vm", "old-galaxy-2023", "debug-network", "tmp-copy", "benchmark-io")
        for _ in range(self._count(4)):
            site = rng.choice(list(self.sites.values()))
            flavor = rng.choice(("ifb.m4.medium", "ifb.m4.large", "ifb.m4.xlarge"))
            site.cloud.add_server(name=rng.choice(names), flavor_id=site.flavor_ids[flavor],
                                  image_id=site.image_ids["Ubuntu 20.04"], status="ACTIVE",
                                  created=self.built - timedelta(days=rng.uniform(20, 400)),
                                  server_id=_uuid(rng), metadata={"owner": rng.choice(sorted(self.people))})

    def _seed_activity(self, rng: random.Random) -> None:
        """Leave some Ready VMs unused since days or weeks, and shut some servers off (with their
        own generator, so that the rest of the world is drawn as before). The demo user forgot
        their oldest Ready VM of each group."""
        day = timedelta(days=1)
        forgotten: dict[str, str] = {}  # group -> the demo user's oldest Ready deployment there
        for dep in self.deployments.values():
            if dep.owner == DEMO_USERNAME and dep.state is S.READY and self.built - dep.updated > 20 * day:
                forgotten.setdefault(dep.group_id, dep.id)
        for dep in self.deployments.values():
            up_for = self.built - dep.updated  # a Ready deployment's `updated` is when it became Ready
            if dep.state is not S.READY or up_for < 2 * day:
                continue
            draw = rng.random()
            if dep.id in forgotten.values():
                self._idle_since[dep.id] = self.built - rng.uniform(15, up_for / day - 1) * day
            elif draw < SHUTOFF_SHARE:
                server = self.sites[dep.site].cloud.servers[dep.server_id or ""]
                server.status = "SHUTOFF"
                server.updated = self.built - rng.uniform(1, min(up_for / day - 0.5, 45)) * day
                self._idle_since[dep.id] = max(dep.updated, server.updated - rng.uniform(0, 3) * day)
            elif draw < SHUTOFF_SHARE + IDLE_SHARE:
                self._idle_since[dep.id] = self.built - rng.uniform(1, min(up_for / day, 60)) * day
        self._idle_since = {k: v.replace(microsecond=0) for k, v in self._idle_since.items()}

    # -- bookkeeping --------------------------------------------------------------------

    def _index(self, dep: Deployment) -> None:
        self.deployments[dep.id] = dep
        self._by_group[dep.group_id].append(dep.id)
        self._by_owner[dep.owner].append(dep.id)

    def _commit(self, dep: Deployment, sign: int) -> None:
        used = self._committed[dep.group_id]
        for i, amount in enumerate((dep.vcpu, dep.ram_gb, dep.disk_gb)):
            used[i] += sign * amount

    def _plan_step(self, due: datetime, dep: Deployment, target: S) -> None:
        """Schedule *dep* to move to *target* at *due* (if it still is where it is then)."""
        before = {S.PROVISIONING: S.INITIALIZING, S.EXECUTING: S.PROVISIONING, S.SENDING_REPORTS: S.EXECUTING,
                  S.READY: S.SENDING_REPORTS}.get(target, S.FINALIZING)
        heapq.heappush(self._schedule, (due, next(self._seq), dep.id, before, target))

    def _reached(self, dep: Deployment, state: S, at: datetime, ip: str | None) -> Deployment:
        """*dep* as it is once in *state* at *at* (access details appear when Ready)."""
        dep = replace(dep, state=state, updated=at.replace(microsecond=0))
        if state in (S.EXECUTING, S.SENDING_REPORTS, S.READY) and ip:
            dep = replace(dep, ip=ip)
        if state is S.READY and dep.ip:
            links, parameters = _access(dep, self.appliances[dep.appliance_id])
            dep = replace(dep, access=links, parameters=parameters)
        if state in (S.FINALIZING, S.DONE, S.CANCELLED):
            dep = replace(dep, ip=None, access=(), parameters=())
        return dep

    def _store(self, dep: Deployment) -> Deployment:
        self.deployments[dep.id] = dep
        return dep

    def _image_for(self, site: DemoSite, app: Appliance) -> str:
        return site.image_ids.get(f"{app.os} {app.os_version}", site.image_ids["Ubuntu 22.04"])

    # -- time -------------------------------------------------------------------------

    def tick(self) -> None:
        """Apply every change due by now: deployment states, new membership requests."""
        now = self.clock.now()
        with self.lock:
            while self._schedule and self._schedule[0][0] <= now:
                due, _, dep_id, before, target = heapq.heappop(self._schedule)
                dep = self.deployments[dep_id]
                if dep.state is before:
                    self._advance(dep, target, due)
            if now.date() > self._ledger.until:  # after the transitions, so that ends are known
                self._ledger.advance(self.deployments.values(), now.date(), now)
            while self._next_visit <= now:
                self._visit(self._next_visit)
                self._next_visit += timedelta(seconds=self._visitors.uniform(*REQUEST_EVERY))

    def _advance(self, dep: Deployment, target: S, at: datetime) -> None:
        ip = None
        if target in (S.EXECUTING, S.READY):
            cloud = self.sites[dep.site].cloud
            server = cloud.servers.get(dep.server_id or "")
            if server is not None and server.status == "BUILD":
                cloud.tick()  # the site's own clock-driven boot may not have run yet
            ip = server.ip if server is not None and not server.deleted else None
        dep = self._store(self._reached(dep, target, at, ip))
        if dep.state.is_final:
            self._commit(dep, -1)

    def _visit(self, at: datetime) -> None:
        """Someone new asks to join marine-meta."""
        person = self._new_person(self._visitors, self._visitors.choice(AFFILIATIONS))
        self._add_request("marine-meta", person, at, _message(self._visitors, "marine-meta"))

    # -- reads ------------------------------------------------------------------------

    def role(self, gid: str, username: str) -> Role | None:
        """*username*'s role in group *gid* (None if not a member); not_found for an unknown group."""
        if gid not in self.groups:
            raise WorldError("not_found", f"No group {gid!r}.")
        member = self.members[gid].get(username)
        return member.role if member else None

    def require(self, gid: str, username: str, *, admin: bool) -> Role:
        """*username*'s role in *gid*, or forbidden unless a member (an admin if *admin*)."""
        role = self.role(gid, username)
        if role is None or (admin and role is not Role.ADMIN):
            needed = "an admin" if admin else "a member"
            raise WorldError("forbidden", f"You must be {needed} of group {gid!r}.")
        return role

    def groups_of(self, username: str) -> list[Group]:
        with self.lock:
            return [g.as_group(m[username].role, self.committed(gid)) for gid, g in self.groups.items()
                    if username in (m := self.members[gid])]

    def member_list(self, gid: str, actor: str) -> list[Member]:
        with self.lock:
            self.require(gid, actor, admin=True)
            return sorted(self.members[gid].values(), key=lambda m: (m.role is not Role.ADMIN, m.name, m.username))

    def request_list(self, gid: str, actor: str, state: RequestState | None = None) -> list[MembershipRequest]:
        with self.lock:
            self.require(gid, actor, admin=True)
            found = [self.requests[rid] for rid in self._requests_by_group[gid]]
        return [r for r in found if state is None or r.state is state]

    def catalogue(self, q: str = "", tool: str = "", topic: str = "", category: str = "") -> list[Appliance]:
        """Appliances matching every given filter (case-insensitive)."""
        q, tool, topic, category = (v.strip().lower() for v in (q, tool, topic, category))
        return [a for a in APPLIANCES
                if (not q or q in self._haystacks[a.id])
                and (not tool or any(t.name.lower() == tool for t in a.tools))
                and (not topic or any(t.lower() == topic for t in a.topics))
                and (not category or a.category.lower() == category)]

    def capacity(self, site_id: str) -> dict[str, Capacity]:
        """Totals and use of a site: other projects plus every live server of the Biosphère project."""
        site = self.sites[site_id]
        used = list(site.others)
        cloud = site.cloud
        with cloud.lock:
            counts: dict[str, int] = defaultdict(int)
            for server in cloud.servers.values():
                if not server.deleted:
                    counts[server.flavor_id] += 1
            for flavor_id, n in counts.items():
                f = cloud.flavors[flavor_id]
                for i, amount in enumerate((f.vcpus, f.ram_mb // 1024, f.disk_gb, f.gpus)):
                    used[i] += n * amount
        return {k: Capacity(total, u) for k, total, u in zip(("vcpu", "ram_gb", "storage_gb", "gpu"),
                                                             site.totals, used, strict=True)}

    def committed(self, gid: str) -> Quota:
        """What the live deployments of *gid* hold of its quota."""
        with self.lock:
            return Quota(*self._committed[gid])

    def monitored(self, dep: Deployment) -> Deployment:
        """*dep* with the last activity the portal's monitor saw on its VM (Ready ones only): an
        unused VM's stays where it stopped; a VM in use is seen busy every few minutes, until its
        server stops (shut off, error) or the clock."""
        if dep.state is not S.READY:
            return dep
        idle = self._idle_since.get(dep.id)
        if idle is None:
            server = self.sites[dep.site].cloud.servers.get(dep.server_id or "")
            until = self.clock.now() if server is None or server.status == "ACTIVE" else server.updated
            every = ACTIVE_EVERY[0] + zlib.crc32(dep.id.encode()) % (ACTIVE_EVERY[1] - ACTIVE_EVERY[0])
            beats = max(int((until - dep.updated).total_seconds() // every), 0)
            idle = dep.updated + timedelta(seconds=beats * every)
        return replace(dep, last_activity=idle)

    def deployments_of(self, *, owner: str | None = None, group: str | None = None) -> list[str]:
        """Ids of the deployments of an owner or a group, oldest first."""
        with self.lock:
            found = self._by_owner.get(owner) if owner is not None else self._by_group.get(group or "")
            return list(found or ())

    def deployment_for(self, dep_id: str, actor: str) -> Deployment:
        """A deployment its owner or an admin of its group may see."""
        with self.lock:
            dep = self.deployments.get(dep_id)
            if dep is None:
                raise WorldError("not_found", f"No deployment {dep_id!r}.")
            if dep.owner != actor and self.role(dep.group_id, actor) is not Role.ADMIN:
                raise WorldError("forbidden", "Only its owner or an admin of its group can see this deployment.")
            return dep

    def consumption(self, gid: str, actor: str, start: date, end: date) -> list[UsageDay]:
        """Usage rows of *gid* between two days; a member sees only their own rows."""
        now = self.clock.now()
        with self.lock:
            role = self.require(gid, actor, admin=False)
            rows = self._ledger.days(gid, start, end)
            if start <= self._ledger.until <= end:
                rows = rows + self._ledger.today(gid, (self.deployments[d] for d in self._by_group[gid]), now)
        return rows if role is Role.ADMIN else [r for r in rows if r.member == actor]

    # -- membership -------------------------------------------------------------------

    def join(self, gid: str, actor: str, message: str) -> MembershipRequest:
        with self.lock:
            if self.role(gid, actor) is not None:
                raise WorldError("conflict", f"You already are a member of {gid!r}.")
            if any(self.requests[r].username == actor and self.requests[r].state is RequestState.PENDING
                   for r in self._requests_by_group[gid]):
                raise WorldError("conflict", f"Your request to join {gid!r} is already pending.")
            return self._add_request(gid, self.people[actor], self.clock.now(), message)

    def decide(self, gid: str, rid: str, actor: str, *, approve: bool, reason: str = "") -> MembershipRequest:
        """Approve or reject a pending request; an approved requester becomes a member.

        Refusals in the portal's order: not_found (group, then request), forbidden (not an
        admin of the group), conflict (already decided).
        """
        with self.lock:
            self.role(gid, actor)  # not_found for an unknown group
            request = self.requests.get(rid)
            if request is None or request.group_id != gid:
                raise WorldError("not_found", f"No request {rid!r} in group {gid!r}.")
            self.require(gid, actor, admin=True)
            if request.state is not RequestState.PENDING:
                raise WorldError("conflict", f"Request {rid} was already {request.state.value}.")
            if approve:
                group = self.groups[gid]
                self.members[gid][request.username] = Member(
                    gid, request.username, request.name, request.email, Role.MEMBER, self.clock.now().date(),
                    group.end_date)
            state = RequestState.APPROVED if approve else RequestState.REJECTED
            return self._store_request(replace(request, state=state, reason=reason))

    def _store_request(self, request: MembershipRequest) -> MembershipRequest:
        self.requests[request.id] = request
        return request

    def request_group(self, actor: str, fields: dict[str, object]) -> str:
        """Record a project-group request for the IFB committee; returns its id."""
        with self.lock:
            if fields["short_name"] in self.groups:
                raise WorldError("invalid", f"A group named {fields['short_name']!r} already exists.", "short_name")
            rid = f"greq-{len(self.group_requests) + 1:04d}"
            self.group_requests[rid] = {**fields, "requester": actor, "state": "pending"}
            return rid

    # -- deployments ------------------------------------------------------------------

    def reserve(self, actor: str, name: str, appliance: str, gid: str, site_id: str, flavor: str) -> Launch:
        """Check a new deployment against the rules and book it (Initializing, no server yet)."""
        with self.lock:
            app = self.appliances.get(appliance)
            if app is None:
                raise WorldError("invalid", f"No appliance {appliance!r} in the catalogue.", "appliance")
            if gid not in self.groups:
                raise WorldError("invalid", f"No group {gid!r}.", "group")
            self.require(gid, actor, admin=False)
            group = self.groups[gid]
            if group.kind is GroupKind.AFFILIATION:
                raise WorldError("invalid", "An affiliation group has no resources: choose a project or "
                                            "training group.", "group")
            site = self.sites.get(site_id)
            if site is None:
                raise WorldError("invalid", f"No site {site_id!r}.", "site")
            if flavor not in site.flavor_ids:
                raise WorldError("invalid", f"Flavour {flavor!r} is not offered on {site_id}.", "flavor")
            spec = FLAVORS[flavor]
            if spec.vcpu < app.min_vcpu or spec.ram_gb < app.min_ram_gb:
                raise WorldError("invalid", f"{app.name} needs at least {app.min_vcpu} vCPU and "
                                            f"{app.min_ram_gb} GB RAM.", "flavor")
            if site.availability in (Availability.DOWN, Availability.MAINTENANCE):
                raise WorldError("site_unavailable", f"Site {site_id} is {site.availability.value}: "
                                                     f"{site.message or 'try another site.'}")
            quota = group.quota
            if not _fits(self._committed[gid], _resources(spec)[:3], (quota.vcpu, quota.ram_gb, quota.storage_gb)):
                used = self._committed[gid]
                raise WorldError("quota_exceeded", f"Group {gid} has {quota.vcpu - used[0]} vCPU, "
                                                   f"{quota.ram_gb - used[1]} GB RAM and "
                                                   f"{quota.storage_gb - used[2]} GB storage left; "
                                                   f"{flavor} needs {spec.vcpu}/{spec.ram_gb}/{spec.disk_gb}.")
            capacity = self.capacity(site_id)
            if not all(c.free >= n for c, n in zip(capacity.values(), _resources(spec), strict=True)):
                raise WorldError("no_capacity", f"Site {site_id} has not enough free resources for {flavor}.")
            now = self.clock.now().replace(microsecond=0)
            dep = Deployment(
                id=_uuid(self._rng), name=name, appliance_id=app.id, appliance_name=app.name, group_id=gid,
                owner=actor, site=site_id, flavor=flavor, state=S.INITIALIZING, created=now, updated=now,
                vcpu=spec.vcpu, ram_gb=spec.ram_gb, disk_gb=spec.disk_gb, gpu=spec.gpu)
            self._index(dep)
            self._commit(dep, +1)
            return Launch(dep, site.flavor_ids[flavor], self._image_for(site, app), _metadata(dep))

    def attach(self, dep_id: str, server_id: str) -> Deployment:
        """The server of a reserved deployment exists: plan its way to Ready."""
        with self.lock:
            dep = self._store(replace(self.deployments[dep_id], server_id=server_id))
            server = self.sites[dep.site].cloud.servers.get(server_id)
            start, boot = (server.created, server.boot_seconds) if server else (dep.created, 90.0)
            for offset, state in _plan(self._rng, boot, self.appliances[dep.appliance_id].multi_vm):
                self._plan_step(start + timedelta(seconds=offset), dep, state)
            return dep

    def abort(self, dep_id: str, reason: str) -> Deployment:
        with self.lock:
            dep = self.deployments[dep_id]
            if not dep.state.is_final:
                self._commit(dep, -1)
            return self._store(replace(dep, state=S.ABORTED, reason=reason,
                                       updated=self.clock.now().replace(microsecond=0)))

    def deletable(self, dep_id: str, actor: str) -> Deployment:
        """A deployment *actor* may delete; conflict once it is finished (it is still there to read)."""
        dep = self.deployment_for(dep_id, actor)
        if dep.state.is_final:
            raise WorldError("conflict", f"Deployment {dep_id} is already {dep.state.value}: nothing left to delete.")
        return dep

    def finalize(self, dep_id: str) -> Deployment:
        """The server is gone: Finalizing now, Done (Cancelled if it never was Ready) shortly after."""
        with self.lock:
            dep = self.deployments[dep_id]
            if dep.state.is_final or dep.state is S.FINALIZING:
                return dep
            target = S.DONE if dep.state is S.READY else S.CANCELLED
            now = self.clock.now()
            dep = self._store(self._reached(dep, S.FINALIZING, now, None))
            self._plan_step(now + timedelta(seconds=self._rng.uniform(*FINALIZE_SECONDS)), dep, target)
            return dep

    def set_server_status(self, dep_id: str, status: str) -> None:
        """The demo's switch for a deployment's server (e.g. "ERROR", "SHUTOFF"); KeyError if it has none."""
        with self.lock:
            dep = self.deployments[dep_id]
            self.sites[dep.site].cloud.set_status(dep.server_id or "", status)

    def new_request(self, gid: str = "marine-meta") -> MembershipRequest:
        """Someone new asks to join *gid* now (what happens every few demo minutes to marine-meta)."""
        with self.lock:
            person = self._new_person(self._visitors, self._visitors.choice(AFFILIATIONS))
            return self._add_request(gid, person, self.clock.now(), _message(self._visitors, gid))

    def set_availability(self, site_id: str, availability: Availability, message: str = "") -> None:
        """What the status page says of a site (the demo's outage switch for the portal's view)."""
        with self.lock:
            site = self.sites[site_id]
            site.availability, site.message = availability, message


def _plan(rng: random.Random, boot: float, multi_vm: bool) -> list[tuple[float, S]]:
    """Offsets from creation of each state on the way to Ready; Executing starts once the VM booted."""
    provisioning = min(rng.uniform(3, 10), boot / 2)
    executing = rng.uniform(150, 300) if multi_vm else rng.uniform(8, 25)
    reporting = rng.uniform(3, 8)
    return [(provisioning, S.PROVISIONING), (boot, S.EXECUTING), (boot + executing, S.SENDING_REPORTS),
            (boot + executing + reporting, S.READY)]


def _message(rng: random.Random, gid: str) -> str:
    return rng.choice(JOIN_MESSAGES).format(g=gid)


def _metadata(dep: Deployment) -> dict[str, str]:
    return {"biosphere_deployment": dep.id, "biosphere_group": dep.group_id, "owner": dep.owner}


def _access(dep: Deployment, app: Appliance) -> tuple[tuple[AccessLink, ...], tuple[Parameter, ...]]:
    """Access links and parameters of a Ready deployment (its secret drawn from its id)."""
    tools = {t.name for t in app.tools}
    links = []
    params = [Parameter("username", "ubuntu")]
    if "ssh" in app.access:
        links.append(AccessLink("ssh", f"ssh://ubuntu@{dep.ip}"))
    if "https" in app.access:
        links.append(AccessLink("https", f"https://{dep.name}.{dep.site}.biosphere.example/"))
        secret = f"{random.Random(dep.id).getrandbits(96):024x}"
        params.append(Parameter("token" if "JupyterLab" in tools else "password", secret, secret=True))
    if "x2go" in app.access:
        links.append(AccessLink("x2go", f"x2go://ubuntu@{dep.ip}"))
        params.append(Parameter("x2go_session", "XFCE" if "XFCE" in tools else "MATE"))
    return tuple(links), tuple(params)


def _haystack(app: Appliance) -> str:
    return " ".join([app.name, app.summary, app.description, *(t.name for t in app.tools), *app.topics]).lower()
