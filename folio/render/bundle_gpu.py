"""``%%gpu``: shipped in run-it-yourself zips as ``folio/gpu.py`` (``%load_ext folio.gpu``).

A cell marked ``%%gpu`` runs where CUDA is present; elsewhere it prints that it was skipped, so a
notebook with GPU cells still runs to the end on a laptop.
"""


def gpu(line, cell):
    from IPython import get_ipython

    try:
        import torch
        available = torch.cuda.is_available()
    except ImportError:
        available = False
    if not available:
        print("skipped: this cell needs a CUDA GPU (the post's page shows its results measured on one)")
        return
    get_ipython().run_cell(cell)


def load_ipython_extension(ipython):
    ipython.register_magic_function(gpu, magic_kind="cell")
