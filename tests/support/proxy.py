"""A TCP proxy the tests can cut: the broker 'goes away' for the services behind it.

Under eventlet a socket must be closed by the green thread that reads it (another
thread closing it leaves a reader on a file number that is soon reused), so `cut`
only shuts connections down and each reader closes its own socket.
"""
import socket
import threading


class TcpProxy:
    def __init__(self, target_host, target_port):
        self.target = (target_host, target_port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(128)
        self.port = self.listener.getsockname()[1]
        self.open = True
        self.closing = False
        self.connections = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.closing:
                client.close()
                self.listener.close()
                return
            if not self.open:
                client.close()  # refused while cut
                continue
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.connections += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            source.close()

    def cut(self):
        """Drop every open connection and refuse new ones until restore()."""
        self.open = False
        with self.lock:
            connections, self.connections = self.connections, []
        for sock in connections:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def restore(self):
        self.open = True

    def close(self):
        self.cut()
        self.closing = True
        socket.create_connection(("127.0.0.1", self.port)).close()  # wakes the accepting thread
