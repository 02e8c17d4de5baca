"""The demo federation's reference tables (domain.md): flavours, sites, images, the RAINBio
catalogue, groups, and the names and sentences seeded people write. Constant data only, plus
the two helpers that draw text from it.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from .contract import GroupKind, Role
from .records import Appliance, Developer, Tool

DEMO_USERNAME = "demo"


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


def slug(text: str) -> str:
    """*text* in lower-case ASCII words joined by dashes."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def join_message(rng: random.Random, gid: str) -> str:
    """What someone asking to join *gid* writes."""
    return rng.choice(JOIN_MESSAGES).format(g=gid)
