package io.drivebus.inventory.api;

/** Thrown by resources to answer with a problem document. */
public class ProblemException extends RuntimeException {
    final Problem problem;

    public ProblemException(Problem problem) {
        super(problem.detail());
        this.problem = problem;
    }

    public static ProblemException notFound(String detail) {
        return new ProblemException(Problem.notFound(detail));
    }

    public static ProblemException badRequest(String detail) {
        return new ProblemException(new Problem(Problem.TYPE_BASE + "bad-request", "Bad Request", 400, detail));
    }

    public static ProblemException forbidden(String detail) {
        return new ProblemException(new Problem(Problem.TYPE_BASE + "forbidden", "Forbidden", 403, detail));
    }

    public static ProblemException unauthorized(String detail) {
        return new ProblemException(new Problem(Problem.TYPE_BASE + "unauthorized", "Unauthorized", 401, detail));
    }
}
