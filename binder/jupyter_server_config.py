# Jupyter server settings for Binder, copied into ~/.jupyter by binder/postBuild.
# mybinder.org gives a whole session at most 2 GB of memory. A kernel keeps its memory until it is shut
# down, and a learner who opens the notebooks one after another without closing them would hold nine
# kernels. So a kernel that has run nothing for 15 minutes is shut down, even with its tab still open.
# The cost: that notebook's variables are lost; re-run it from the top (each takes 90 s or less).
c = get_config()  # noqa: F821 (provided by Jupyter when it reads this file)
c.MappingKernelManager.cull_idle_timeout = 15 * 60  # seconds without running anything
c.MappingKernelManager.cull_interval = 60  # how often to look
c.MappingKernelManager.cull_connected = True  # also kernels whose notebook tab is still open
c.MappingKernelManager.cull_busy = False  # never a kernel that is running a cell
