"""The kernel client folio's kernels are driven with: jupyter_client's, less a fixed 0.2 s.

jupyter_client's ``wait_for_ready`` asks the kernel for its info until the reply comes and an
IOPub message shows that channel connected (so the first cell's output is not lost), and then
waits until IOPub has been quiet for 0.2 s, to drop the status messages of those requests. nbclient
matches every IOPub message to the request it answers (its parent's ``msg_id``) and skips the rest,
so that last wait bought nothing here and was 0.2 s of every kernel's start: 40% of starting the
kernel ahead for a code edit, 2 s of the site's cold build.
"""

from __future__ import annotations

import time
from queue import Empty

from jupyter_client.asynchronous import AsyncKernelClient


class ReadyClient(AsyncKernelClient):
    async def wait_for_ready(self, timeout: float | None = None) -> None:
        """Until the kernel has answered a kernel_info request and IOPub delivers messages.
        Hack: jupyter_client's loop (``KernelClient._async_wait_for_ready``, 8.x) without its
        final flush, which no setting turns off."""
        deadline = time.time() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                msg = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                pass
            else:
                if msg["msg_type"] == "kernel_info_reply":
                    try:  # IOPub connected: some message (its welcome, a status) arrives there
                        await self.iopub_channel.get_msg(timeout=0.2)
                    except Empty:
                        pass
                    else:
                        self._handle_kernel_info_reply(msg)
                        return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.time() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout} s")
