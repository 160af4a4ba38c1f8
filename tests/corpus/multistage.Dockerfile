FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /build
COPY pom.xml .
COPY --from=build /build/pom.xml /tmp/pom.xml
FROM eclipse-temurin:21-jre AS build
COPY --from=compile /build/target/app.jar /app.jar
COPY --from=0 /build/pom.xml /pom.xml
COPY --from=nginx:1.27 /etc/nginx/nginx.conf /etc/nginx/nginx.conf
FROM scratch AS final
COPY --from=build / /
COPY --from=build /app.jar /app.jar
USER root
ENTRYPOINT ["java", "-jar", "/app.jar"]
