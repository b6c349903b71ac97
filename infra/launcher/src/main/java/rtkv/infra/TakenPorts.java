package rtkv.infra;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/** Refuses to start parts whose ports are taken, naming every one, before anything starts. */
final class TakenPorts {

    private TakenPorts() {
    }

    static void refuse(List<Component> parts) {
        List<String> taken = new ArrayList<>();
        for (Component part : parts) {
            for (int port : part.ports()) {
                if (!portIsFree(port)) {
                    taken.add("port " + port + " (" + part.name() + ") is already in use");
                }
            }
        }
        if (!taken.isEmpty()) {
            throw new LauncherException(String.join("\n", taken)
                    + "\nStop whatever holds it (./rtkv down stops a detached cluster) or choose other ports.");
        }
    }

    private static boolean portIsFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
